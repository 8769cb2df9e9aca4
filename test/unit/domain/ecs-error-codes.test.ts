import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CREATE_IMAGE_PIPELINE_ERROR_CODES,
  classifyEcsFailure,
  type EcsFailureFacts,
  type ErrorClass,
  httpStatusOfEcsCode,
} from "../../../shared/domain/ecs-error-codes";
import { validatePipelineRequest } from "../../../shared/domain/request/validate";
import { CONTRACT_CASES } from "./request/cases";

/** The rows of the seed's "Error codes" table: `| 400 | InvalidName.Malformed | ... |`. */
function seedErrorTable(): { httpStatus: number; code: string }[] {
  const seed = readFileSync(
    new URL("../../fixtures/seed/create-image-pipeline.txt", import.meta.url),
    "utf8",
  );
  return [...seed.matchAll(/^\| (\d{3}) \| ([A-Za-z0-9.]+) \|/gm)].map((m) => ({
    httpStatus: Number(m[1]),
    code: m[2]!,
  }));
}

describe("the seed's error-code table", () => {
  const seedRows = seedErrorTable();

  it("is complete in CREATE_IMAGE_PIPELINE_ERROR_CODES, with the same HTTP statuses", () => {
    expect(seedRows.length).toBe(82);
    const ours = Object.entries(CREATE_IMAGE_PIPELINE_ERROR_CODES).map(([code, row]) => ({
      httpStatus: row.httpStatus,
      code,
    }));
    expect(ours).toEqual(seedRows);
  });

  const fourHundreds = seedRows.filter((row) => row.httpStatus >= 400 && row.httpStatus < 500);

  it.each(fourHundreds)(
    "$httpStatus $code is produced by the validator or listed as knowable only by the server",
    ({ code }) => {
      const row = CREATE_IMAGE_PIPELINE_ERROR_CODES[code as keyof typeof CREATE_IMAGE_PIPELINE_ERROR_CODES];
      if (row.detectedBy === "server") {
        // Assess: a reason a reader can check.
        expect(row.reason?.length ?? 0).toBeGreaterThan(20);
        return;
      }
      // Assess: some contract case expects this code, and the validator really produces it.
      const cases = CONTRACT_CASES.filter((c) => c.code === code);
      expect(cases.length, `no contract case rejects with ${code}`).toBeGreaterThan(0);
      for (const c of cases) {
        const result = validatePipelineRequest(c.body);
        expect(result.ok ? [] : result.violations.map((v) => v.code)).toContain(code);
      }
    },
  );

  it("answers the seed's status for its codes and 400 for others", () => {
    expect(httpStatusOfEcsCode("InvalidImage.NotFound")).toBe(404);
    expect(httpStatusOfEcsCode("InvalidOSSObject.NotAuthorized")).toBe(403);
    expect(httpStatusOfEcsCode("InvalidParameter.RegionId")).toBe(400);
  });
});

describe("classifyEcsFailure (docs/processing.md, Error classes)", () => {
  const rows: [string, EcsFailureFacts, ErrorClass][] = [
    ["Throttling", { code: "Throttling", httpStatus: 400 }, "transient"],
    ["Throttling.User", { code: "Throttling.User", httpStatus: 400 }, "transient"],
    ["Throttling.Api", { code: "Throttling.Api", httpStatus: 400 }, "transient"],
    ["any other Throttling.*", { code: "Throttling.Resource", httpStatus: 400 }, "transient"],
    ["ServiceUnavailable", { code: "ServiceUnavailable", httpStatus: 503 }, "transient"],
    ["InternalError", { code: "InternalError", httpStatus: 500 }, "transient"],
    ["UnknownError", { code: "UnknownError", httpStatus: 500 }, "transient"],
    ["any 5xx", { code: "SomethingNew", httpStatus: 502 }, "transient"],
    ["LastTokenProcessing (403)", { code: "LastTokenProcessing", httpStatus: 403 }, "transient"],
    ["a network error (no answer)", { code: "NetworkError" }, "transient"],
    ["a timeout", { code: "Timeout" }, "transient"],
    ["a 200 that cannot be parsed", { code: "UnparsableResponse", httpStatus: 200 }, "transient"],
    ["an unparsable answer without a status", { code: "UnparsableResponse" }, "transient"],
    ["a gateway's HTML 502 page", { code: "UnparsableResponse", httpStatus: 502 }, "transient"],
    ["a gateway's HTML 414 page", { code: "UnparsableResponse", httpStatus: 414 }, "permanent"],
    ["a gateway's HTML 400 page", { code: "UnparsableResponse", httpStatus: 400 }, "permanent"],
    ["an unparsable 429 (HTTP throttling)", { code: "UnparsableResponse", httpStatus: 429 }, "transient"],
    ["an unparsable 408 (request timeout)", { code: "UnparsableResponse", httpStatus: 408 }, "transient"],
    [
      "a seed 400 code: InvalidName.Malformed",
      { code: "InvalidName.Malformed", httpStatus: 400 },
      "permanent",
    ],
    [
      "a seed 400 code: QuotaExceed.ImagePipeline",
      { code: "QuotaExceed.ImagePipeline", httpStatus: 400 },
      "permanent",
    ],
    ["a seed 400 code: NoPermission", { code: "NoPermission", httpStatus: 400 }, "permanent"],
    [
      "a seed 404 code: InvalidImage.NotFound",
      { code: "InvalidImage.NotFound", httpStatus: 404 },
      "permanent",
    ],
    [
      "a seed 403 code: InvalidOperation.NoRightAccessOSS",
      { code: "InvalidOperation.NoRightAccessOSS", httpStatus: 403 },
      "permanent",
    ],
    ["IdempotentParameterMismatch", { code: "IdempotentParameterMismatch", httpStatus: 400 }, "permanent"],
    [
      "authentication: InvalidAccessKeyId.NotFound",
      { code: "InvalidAccessKeyId.NotFound", httpStatus: 404 },
      "permanent",
    ],
    [
      "authentication: SignatureDoesNotMatch",
      { code: "SignatureDoesNotMatch", httpStatus: 400 },
      "permanent",
    ],
    ["STS: EntityNotExist.Role", { code: "EntityNotExist.Role", httpStatus: 404 }, "permanent"],
    ["an unknown 4xx code", { code: "SomethingNew", httpStatus: 400 }, "permanent"],
  ];

  it.each(rows)("%s is %s", (_name, facts, expected) => {
    expect(classifyEcsFailure(facts)).toBe(expected === "transient" ? "transient" : "permanent");
  });

  it("treats every 4xx code of the seed's table as permanent", () => {
    for (const [code, row] of Object.entries(CREATE_IMAGE_PIPELINE_ERROR_CODES)) {
      expect(classifyEcsFailure({ code, httpStatus: row.httpStatus }), code).toBe("permanent");
    }
  });
});
