/**
 * The FC3 HTTP trigger event (docs/cloud-facts.md, "FC3 HTTP trigger event") and the one request shape our code reads.
 * FC hands the event over as a Buffer of JSON; tests and `s invoke` may hand over the object.
 * Header names arrive as the client sent them, so they are lower-cased here once; repeated headers
 * and query parameters arrive comma-joined and stay so.
 */
import { HttpProblem } from "./problems";

export interface FcHttpEvent {
  version: "v1";
  rawPath: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  requestContext?: {
    accountId?: string;
    domainName?: string;
    domainPrefix?: string;
    http?: { method?: string; path?: string; protocol?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    time?: string;
    timeEpoch?: string;
  };
}

export type FcHttpInput = Buffer | Uint8Array | FcHttpEvent;

/** The request as our middlewares and handlers read it. */
export interface HttpRequest {
  method: string;
  /** Decoded path (requestContext.http.path), without a trailing slash except for "/". */
  path: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The body bytes, base64 already undone. */
  body: Buffer;
  requestId?: string | undefined;
  sourceIp?: string | undefined;
}

/** What an FC3 HTTP function returns: FC maps it onto the HTTP response. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Without a prototype: `out["__proto__"] = v` on a plain object sets its prototype instead of adding
 * the key, and `"constructor" in out` is true before anything is added, so a query parameter of
 * those names would vanish or be mangled instead of being refused like any other unknown one.
 */
function stringMap(value: unknown, lowerCaseKeys: boolean): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string") continue;
    const name = lowerCaseKeys ? key.toLowerCase() : key;
    // Two spellings of one header ("Accept" and "accept") are one header, joined as FC joins repeats.
    out[name] = out[name] === undefined ? entry : `${out[name]},${entry}`;
  }
  return out;
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

const trimTrailingSlash = (path: string): string =>
  path.length > 1 ? path.replace(/\/+$/, "") || "/" : path;

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A text body as its bytes, never repaired. A string from the event's JSON can hold a lone
 * surrogate (`"\ud800"`), which no UTF-8 text can; Buffer.from would write U+FFFD for it, and the
 * body would pass as valid. Written as the three bytes it stands for (ED A0 80), it stays invalid
 * UTF-8, so the strict decoder of ./json-body refuses it.
 */
function textBytes(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  let start = 0;
  for (const match of text.matchAll(/\p{Cs}/gu)) {
    parts.push(Buffer.from(text.slice(start, match.index), "utf8"));
    const unit = text.charCodeAt(match.index);
    parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    start = match.index + 1;
  }
  parts.push(Buffer.from(text.slice(start), "utf8"));
  return Buffer.concat(parts);
}

/** Turns whatever FC passed into an HttpRequest; anything that is not an FC3 v1 HTTP event is a 400. */
export function toHttpRequest(input: unknown): HttpRequest {
  let event: unknown = input;
  if (input instanceof Uint8Array) {
    try {
      event = JSON.parse(Buffer.from(input).toString("utf8"));
    } catch {
      throw new HttpProblem("internal", "The function received an event that is not JSON");
    }
  }
  if (!isRecord(event) || event.version !== "v1" || typeof event.rawPath !== "string") {
    throw new HttpProblem(
      "internal",
      'The function received an event that is not an FC3 HTTP event (version "v1")',
    );
  }
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  const http = isRecord(context.http) ? context.http : {};
  const method = typeof http.method === "string" ? http.method.toUpperCase() : "GET";
  const path = typeof http.path === "string" ? http.path : decodePath(event.rawPath.split("?")[0] ?? "/");
  const rawBody = typeof event.body === "string" ? event.body : "";
  return {
    method,
    path: trimTrailingSlash(path || "/"),
    headers: stringMap(event.headers, true),
    query: stringMap(event.queryParameters, false),
    body: event.isBase64Encoded === true ? Buffer.from(rawBody, "base64") : textBytes(rawBody),
    requestId: typeof context.requestId === "string" ? context.requestId : undefined,
    sourceIp: typeof http.sourceIp === "string" ? http.sourceIp : undefined,
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = "application/json",
): HttpResponse {
  return {
    statusCode,
    headers: { "content-type": contentType, "cache-control": "no-store", ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
