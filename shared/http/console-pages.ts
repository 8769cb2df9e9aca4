/**
 * middy middleware: the web console's page (`GET /`) and its files (`GET /console/<file>`), served by
 * the status function (docs/console.md). The files are built beside the bundle (dist/status/console/,
 * scripts/build/console-assets.ts) and read from disk only when one of these routes is hit, never at
 * module load: the console's code is not in the status bundle and adds nothing to its cold start.
 * Every other request passes on to the API chain untouched.
 */
import { readFile } from "node:fs";
import type { MiddlewareObj } from "@middy/core";
import { expectApiRequest, type HttpEvent } from "./api-request";
import type { HttpResponse } from "./fc-http-event";
import { HttpProblem } from "./problems";

/** Nothing but the console's own files; no inline script or style, no framing, no forms posting away. */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join("; ");

export const CONSOLE_PAGE = "index.html";
export const CONSOLE_PATH_PREFIX = "/console/";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** A built file name: one segment, no dot first (so never `..`), a known extension. */
const ASSET_NAME = /^[A-Za-z0-9][\w-]*(\.[\w-]+)*\.(js|css|svg)$/;
/** esbuild's `[name]-[hash]` names: the content decides the name, so it may be cached for good. */
const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css|svg)$/;

export interface ConsolePagesOptions {
  /** The folder holding index.html and the built files; asked for on the first console request. */
  directory: () => string;
  /**
   * Reads one file. Default: node:fs's callback readFile. Not node:fs/promises: requiring it loads
   * Node's promises module at cold start (measured 8-18 ms under load), for a route most
   * invocations never take; node:fs is loaded before any bundle runs. Not `import()` either: the
   * code-cache loader's vm.Script cannot resolve a dynamic import (the request fails).
   */
  readFile?: (file: string) => Promise<Buffer>;
}

const readWithCallback = (file: string): Promise<Buffer> =>
  new Promise((resolve, reject) =>
    readFile(file, (error, bytes) => (error ? reject(error) : resolve(bytes))),
  );

function securityHeaders(contentType: string, cacheControl: string): Record<string, string> {
  return {
    "content-type": contentType,
    "cache-control": cacheControl,
    "content-security-policy": CONSOLE_CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
  };
}

/** Which file a console path names, or undefined for any other path. */
export function consoleFileOf(path: string): { file: string; cacheControl: string } | "redirect" | undefined {
  if (path === "/") return { file: CONSOLE_PAGE, cacheControl: "no-cache" };
  if (path === "/console" || path === CONSOLE_PATH_PREFIX) return "redirect";
  if (!path.startsWith(CONSOLE_PATH_PREFIX)) return undefined;
  const name = path.slice(CONSOLE_PATH_PREFIX.length);
  if (!ASSET_NAME.test(name)) throw new HttpProblem("not-found", `There is no console file ${name}`);
  const cacheControl = HASHED_NAME.test(name) ? "public, max-age=31536000, immutable" : "no-cache";
  return { file: name, cacheControl };
}

export function consolePages(options: ConsolePagesOptions): MiddlewareObj<HttpEvent, HttpResponse> {
  const read = options.readFile ?? readWithCallback;
  // Each file once per instance: they never change under a deployed function.
  const cache = new Map<string, Promise<Buffer>>();
  const load = (file: string): Promise<Buffer> => {
    let pending = cache.get(file);
    if (!pending) {
      pending = read(`${options.directory()}/${file}`);
      // A missing file is not remembered: the next request tries again.
      pending.catch(() => cache.delete(file));
      cache.set(file, pending);
    }
    return pending;
  };
  return {
    before: async (request) => {
      const api = expectApiRequest(request.event);
      if (api.method !== "GET" && api.method !== "HEAD") return undefined;
      const target = consoleFileOf(api.path);
      if (target === undefined) return undefined;
      if (target === "redirect")
        return {
          statusCode: 308,
          headers: { location: "/", "cache-control": "no-cache" },
          body: "",
          isBase64Encoded: false,
        };
      const bytes = await load(target.file).catch(() => {
        throw new HttpProblem("not-found", `There is no console file ${target.file}`);
      });
      const extension = target.file.slice(target.file.lastIndexOf("."));
      return {
        statusCode: 200,
        headers: securityHeaders(CONTENT_TYPES[extension] ?? "application/octet-stream", target.cacheControl),
        body: api.method === "HEAD" ? "" : bytes.toString("utf8"),
        isBase64Encoded: false,
      };
    },
  };
}
