/**
 * middy middleware: reads the JSON body on routes that take one. Unlike @middy/http-json-body-parser
 * it answers malformed JSON with 400 `MalformedJSON` (the contract), not 415 (docs/cloud-facts.md, "middy and FC3 events"),
 * and it checks the size before parsing anything.
 */
import type { MiddlewareObj } from "@middy/core";
import { expectApiRequest, type HttpEvent } from "./api-request";
import type { HttpResponse } from "./fc-http-event";
import { errorList, HttpProblem } from "./problems";

/** `application/json` or `application/<something>+json`, optionally `charset=utf-8`. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(mediaType)) return false;
  return parameters.every((parameter) => {
    const [name, value = ""] = parameter.split("=").map((s) => s.trim());
    return name !== "charset" || value.replaceAll('"', "") === "utf-8";
  });
}

export function jsonBody(): MiddlewareObj<HttpEvent, HttpResponse> {
  return {
    before: (request) => {
      const api = expectApiRequest(request.event);
      const limits = api.route?.body;
      if (!limits) return;
      if (api.body.length > limits.maxBytes) {
        throw new HttpProblem(
          "payload-too-large",
          `The body is ${api.body.length} bytes; this operation takes at most ${limits.maxBytes}`,
          { maxBytes: limits.maxBytes },
        );
      }
      if (!isJsonContentType(api.headers["content-type"])) {
        throw new HttpProblem(
          "unsupported-media-type",
          `Content-Type must be application/json (got ${api.headers["content-type"] ?? "none"})`,
          {},
          { "accept-post": "application/json" },
        );
      }
      const { maxMembers } = limits;
      if (maxMembers !== undefined && countMembers(api.body, maxMembers) > maxMembers)
        throw tooManyMembers(maxMembers);
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
      try {
        api.json = JSON.parse(text.decode(api.body));
      } catch (error) {
        const reason = error instanceof SyntaxError ? error.message : "The body is not UTF-8";
        throw new HttpProblem("malformed-json", reason);
      }
    },
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * The object members in JSON bytes: the colons outside strings, counted up to `stop` + 1. A linear
 * scan that allocates nothing; for malformed JSON the count means nothing, but the parse that
 * follows (or the refusal) is right either way.
 */
export function countMembers(bytes: Uint8Array, stop: number): number {
  let members = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === COLON && ++members > stop) return members;
  }
  return members;
}

function tooManyMembers(maxMembers: number): HttpProblem {
  return new HttpProblem(
    "validation",
    "The body holds more parameters than any valid request; nothing else was checked",
    errorList([
      {
        pointer: "#",
        code: "InvalidParameter.Body",
        detail: `The body holds more than ${maxMembers} object members, more than any valid body of this operation can (most are unknown keys or list entries over their limits)`,
      },
    ]),
  );
}
