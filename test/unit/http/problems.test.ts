import { describe, expect, it } from "vitest";
import { problemResponse } from "../../../shared/http/problem-responder";
import { HttpProblem, PROBLEMS, type ProblemKind, problemTypeUri } from "../../../shared/http/problems";

const kinds = Object.keys(PROBLEMS) as ProblemKind[];

describe("problem types", () => {
  it("give each problem its own type URI and code", () => {
    expect(new Set(kinds.map(problemTypeUri)).size).toBe(kinds.length);
    expect(new Set(kinds.map((k) => PROBLEMS[k].code)).size).toBe(kinds.length);
  });

  it.each(kinds)("%s renders as RFC 9457 problem+json with its status", (kind) => {
    const response = problemResponse(
      new HttpProblem(kind, "what happened", { extra: 1 }, { "x-h": "v" }),
      "urn:x",
    );
    expect(response.statusCode).toBe(PROBLEMS[kind].status);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json", "x-h": "v" });
    expect(JSON.parse(response.body)).toEqual({
      type: problemTypeUri(kind),
      title: PROBLEMS[kind].title,
      status: PROBLEMS[kind].status,
      code: PROBLEMS[kind].code,
      detail: "what happened",
      instance: "urn:x",
      extra: 1,
    });
  });
});
