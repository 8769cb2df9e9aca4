import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, pipelineRequestKeys } from "../../../shared/http/openapi";
import { PROBLEMS } from "../../../shared/http/problems";
import { ROUTES } from "../../../shared/http/routes";

const DOC = path.resolve(__dirname, "../../../docs/openapi.json");
const rendered = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

type Doc = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
};

describe("the OpenAPI document", () => {
  const doc = JSON.parse(rendered) as Doc;

  it("has one operation per route, and no other", () => {
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.operation}`).sort());
  });

  it("names every parameter of the request contract", () => {
    expect(pipelineRequestKeys()).toEqual(
      expect.arrayContaining(["RegionId", "AccountId", "ClientToken", "ImageName"]),
    );
  });

  it("gives every route its 401 and 403", () => {
    for (const methods of Object.values(doc.paths))
      for (const op of Object.values(methods))
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "403"]));
  });

  it("has schemas that compile", () => {
    const ajv = new Ajv2020({ strict: false });
    const components = (JSON.parse(rendered) as { components: { schemas: Record<string, unknown> } })
      .components;
    ajv.addSchema({ $id: "doc", components }, "doc");
    const validateProblem = ajv.getSchema("doc#/components/schemas/Problem");
    expect(validateProblem?.({ type: "u", title: "t", status: 400, code: PROBLEMS.validation.code })).toBe(
      true,
    );
  });

  // The file is compared as JSON, so Biome may format it.
  it("is what docs/openapi.json holds (UPDATE_OPENAPI=1 rewrites the file; then run biome format on it)", () => {
    if (process.env.UPDATE_OPENAPI === "1") writeFileSync(DOC, rendered);
    expect(JSON.parse(readFileSync(DOC, "utf8"))).toEqual(JSON.parse(rendered));
  });
});
