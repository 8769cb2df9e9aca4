import { describe, expect, it } from "vitest";
import { matchRoute, ROUTES, routesOf } from "../../../shared/http/routes";

describe("the route table", () => {
  it("has one entry per method and path, and the spec's function for each", () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(routesOf("submit").map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/pipelines",
      "POST /v1/batches",
      "POST /v1/pipelines:validate",
      "POST /v1/batches:validate",
      "DELETE /v1/pipelines/{id}",
    ]);
    expect(routesOf("status").map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/pipelines/{id}",
      "GET /v1/pipelines",
      "GET /v1/batches/{id}",
    ]);
  });

  it("needs a scope on every route", () => {
    for (const route of ROUTES) expect(route.scopes.length, route.operation).toBeGreaterThan(0);
  });

  it.each([
    ["POST", "/v1/pipelines", "createPipeline", {}],
    ["POST", "/v1/pipelines/", "createPipeline", {}],
    ["GET", "/v1/pipelines/01JD", "getPipeline", { id: "01JD" }],
    ["delete", "/v1/pipelines/01JD", "cancelPipeline", { id: "01JD" }],
    ["GET", "/v1/batches/B1", "getBatch", { id: "B1" }],
    ["POST", "/v1/pipelines:validate", "validatePipeline", {}],
    ["POST", "/v1/batches:validate", "validateBatch", {}],
  ])("%s %s -> %s", (method, path, operation, params) => {
    expect(matchRoute(method, path)).toMatchObject({ kind: "found", route: { operation }, params });
  });

  it.each([
    ["GET", "/v1"],
    ["GET", "/v1/pipelines/a/b"],
    ["GET", "/v2/pipelines"],
    ["GET", "/v1//pipelines"],
    // A custom method is its own segment, never a prefix match.
    ["POST", "/v1/pipelines:check"],
  ])("%s %s is not found", (method, path) => {
    expect(matchRoute(method, path)).toEqual({ kind: "not-found" });
  });

  it.each([
    ["PUT", "/v1/pipelines", ["POST", "GET"]],
    ["POST", "/v1/pipelines/X", ["DELETE", "GET"]],
    ["DELETE", "/v1/batches", ["POST"]],
    ["GET", "/v1/pipelines:validate", ["POST"]],
  ])("%s %s is not allowed; Allow: %j", (method, path, allow) => {
    expect(matchRoute(method, path)).toEqual({ kind: "method-not-allowed", allow });
  });
});
