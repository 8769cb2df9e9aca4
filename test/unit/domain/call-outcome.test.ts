import { describe, expect, it } from "vitest";
import { evidenceOf, type FailedCall, outcomeUnknownAfter } from "../../../shared/domain/call-outcome";

describe("what a failed CreateImagePipeline call says about the token", () => {
  it.each<[string, FailedCall, ReturnType<typeof evidenceOf>]>([
    ["no answer (reset, timeout)", { code: "NetworkError" }, "unknown"],
    ["a 5xx", { code: "ServiceUnavailable", httpStatus: 503 }, "unknown"],
    ["an answer without a pipeline id", { code: "UnparsableResponse", httpStatus: 200 }, "unknown"],
    ["an earlier call still in flight", { code: "LastTokenProcessing", httpStatus: 403 }, "unknown"],
    ["the token holds other parameters", { code: "IdempotentParameterMismatch", httpStatus: 400 }, "unknown"],
    ["throttled at the gateway", { code: "Throttling.User", httpStatus: 400 }, "made-nothing"],
    [
      "refused before reaching ECS",
      { code: "EntityNotExist.Role", httpStatus: 404, reachedEcs: false },
      "made-nothing",
    ],
    ["an ECS refusal", { code: "InvalidImage.NotFound", httpStatus: 404 }, "token-free"],
  ])("%s", (_what, call, evidence) => {
    expect(evidenceOf(call)).toBe(evidence);
  });

  it("only an answer that looked at the token clears an earlier unknown", () => {
    expect(outcomeUnknownAfter(true, { code: "Throttling.User", httpStatus: 400 })).toBe(true);
    expect(outcomeUnknownAfter(false, { code: "Throttling.User", httpStatus: 400 })).toBe(false);
    expect(outcomeUnknownAfter(true, { code: "InvalidImage.NotFound", httpStatus: 404 })).toBe(false);
    expect(outcomeUnknownAfter(false, { code: "NetworkError" })).toBe(true);
  });
});
