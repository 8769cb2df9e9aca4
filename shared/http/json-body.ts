/**
 * middy middleware: reads the JSON body on routes that take one. Unlike @middy/http-json-body-parser
 * it answers malformed JSON with 400 `MalformedJSON` (the contract), not 415 (reference/anchors.md §1c),
 * and it checks the size before parsing anything.
 */
import type { MiddlewareObj } from "@middy/core";
import { expectApiRequest, type HttpEvent } from "./api-request";
import type { HttpResponse } from "./fc-http-event";
import { HttpProblem } from "./problems";

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
