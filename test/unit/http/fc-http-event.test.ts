import { describe, expect, it } from "vitest";
import { toHttpRequest } from "../../../shared/http/fc-http-event";
import { HttpProblem } from "../../../shared/http/problems";

const base = {
  version: "v1",
  rawPath: "/v1/pipelines/a%20b",
  headers: { "Content-Type": "application/json", "X-Multi": "a,b" },
  queryParameters: { limit: "5", status: "pending" },
  body: "",
  isBase64Encoded: false,
  requestContext: {
    requestId: "r-1",
    http: { method: "post", path: "/v1/pipelines/a b/", sourceIp: "10.0.0.1" },
  },
};

describe("toHttpRequest", () => {
  it.each([
    ["a Buffer", Buffer.from(JSON.stringify(base))],
    ["a Uint8Array", new TextEncoder().encode(JSON.stringify(base))],
    ["an object", base],
  ])("reads %s", (_name, input) => {
    const request = toHttpRequest(input);
    expect(request).toMatchObject({
      method: "POST",
      path: "/v1/pipelines/a b",
      headers: { "content-type": "application/json", "x-multi": "a,b" },
      query: { limit: "5", status: "pending" },
      requestId: "r-1",
      sourceIp: "10.0.0.1",
    });
  });

  it.each([
    ["base64", { body: Buffer.from('{"a":1}').toString("base64"), isBase64Encoded: true }, '{"a":1}'],
    ["text", { body: '{"a":1}', isBase64Encoded: false }, '{"a":1}'],
    ["an empty base64 body", { body: "", isBase64Encoded: true }, ""],
    ["no body", { body: undefined }, ""],
  ])("decodes %s", (_name, fields, text) => {
    expect(toHttpRequest({ ...base, ...fields }).body.toString("utf8")).toBe(text);
  });

  it("decodes rawPath when requestContext.http.path is absent", () => {
    const { requestContext: _omit, ...event } = base;
    expect(toHttpRequest(event)).toMatchObject({ path: "/v1/pipelines/a b", method: "GET" });
  });

  it("joins two spellings of one header as FC joins repeats", () => {
    const request = toHttpRequest({ ...base, headers: { Accept: "a", accept: "b" } });
    expect(request.headers.accept).toBe("a,b");
  });

  it.each([
    ["not JSON", Buffer.from("nope")],
    ["another version", { ...base, version: "2.0" }],
    ["no rawPath", { version: "v1" }],
    ["an array", [base]],
  ])("refuses %s", (_name, input) => {
    expect(() => toHttpRequest(input)).toThrow(HttpProblem);
  });
});
