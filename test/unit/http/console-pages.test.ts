/**
 * The web console's routes in the status function's chain (shared/http/console-pages.ts): the page
 * and its files with the CSP and cache headers, nothing outside the folder, files read only when a
 * console route is asked for, and every other request left to the API chain.
 */
import { describe, expect, it } from "vitest";
import {
  CONSOLE_CONTENT_SECURITY_POLICY,
  consoleFileOf,
  consolePages,
} from "../../../shared/http/console-pages";
import type { FcHttpEvent, HttpResponse } from "../../../shared/http/fc-http-event";
import { createHttpFunction } from "../../../shared/http/http-function";

const FILES: Record<string, string> = {
  "/dist/console/index.html": "<!doctype html><title>console</title>",
  "/dist/console/main-ABCDEFGH.js": "console.log(1)",
  "/dist/console/notes.css": "body{}",
};

function statusWithConsole() {
  const reads: string[] = [];
  const handler = createHttpFunction({
    functionName: "status",
    verifier: () => () => Promise.reject(new Error("no token check on a console route")),
    operations: {},
    pages: consolePages({
      directory: () => "/dist/console",
      readFile: async (file) => {
        reads.push(file);
        const text = FILES[file];
        if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
        return Buffer.from(text);
      },
    }),
  });
  const call = async (method: string, path: string): Promise<HttpResponse> => {
    const event: FcHttpEvent = {
      version: "v1",
      rawPath: path,
      headers: {},
      queryParameters: {},
      body: "",
      requestContext: { http: { method, path }, requestId: "req-1" },
    };
    return (await handler(Buffer.from(JSON.stringify(event)), {
      requestId: "req-1",
    } as never)) as HttpResponse;
  };
  return { call, reads };
}

describe("console pages", () => {
  it("serves the page at / with the CSP, nosniff and no-cache", async () => {
    const { call } = statusWithConsole();
    const res = await call("GET", "/");
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(FILES["/dist/console/index.html"]);
    expect(res.headers).toMatchObject({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": CONSOLE_CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
    });
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toContain("unsafe");
  });

  it("caches content-hashed files for good and other files never", async () => {
    const { call } = statusWithConsole();
    const hashed = await call("GET", "/console/main-ABCDEFGH.js");
    expect(hashed.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(hashed.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await call("GET", "/console/notes.css")).headers["cache-control"]).toBe("no-cache");
    const head = await call("HEAD", "/console/main-ABCDEFGH.js");
    expect([head.statusCode, head.body]).toEqual([200, ""]);
  });

  it("answers 404 for a name outside the folder or not built, and never reads outside it", async () => {
    const { call, reads } = statusWithConsole();
    for (const path of [
      "/console/../bundle.js",
      "/console/a/b.js",
      "/console/.hidden.js",
      "/console/x.map",
      "/console/nope.js",
    ]) {
      const res = await call("GET", path);
      expect(res.statusCode, path).toBe(404);
      expect(res.headers["content-type"]).toBe("application/problem+json");
    }
    expect(reads).toEqual(["/dist/console/nope.js"]);
    expect(() => consoleFileOf("/console/..")).toThrow("There is no console file ..");
    expect(consoleFileOf("/v1/pipelines")).toBeUndefined();
  });

  it("reads nothing until a console route is asked for, then each file once", async () => {
    const { call, reads } = statusWithConsole();
    const api = await call("GET", "/v1/pipelines");
    expect(api.statusCode).toBe(401);
    expect(reads).toEqual([]);
    await call("GET", "/");
    await call("GET", "/");
    expect(reads).toEqual(["/dist/console/index.html"]);
  });

  it("redirects /console/ to the page, and leaves other methods to the API chain", async () => {
    const { call } = statusWithConsole();
    const redirect = await call("GET", "/console/");
    expect([redirect.statusCode, redirect.headers.location]).toEqual([308, "/"]);
    expect((await call("POST", "/")).statusCode).toBe(404);
  });
});
