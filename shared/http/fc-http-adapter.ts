/**
 * middy middleware: FC3 HTTP event in, FC3 HTTP response out. middy's own http-router does not know
 * FC's `version: "v1"` (docs/cloud-facts.md, "middy and FC3 events"), so the event is turned into our ApiRequest here,
 * first in the chain, and nothing after it sees the FC shape.
 */
import type { MiddlewareObj } from "@middy/core";
import type { ApiRequest, HttpEvent } from "./api-request";
import { type HttpResponse, toHttpRequest } from "./fc-http-event";

export interface FcHttpAdapterOptions {
  /** Headers added to every response unless the handler set them. */
  defaultHeaders?: Record<string, string>;
}

const defaults: Required<FcHttpAdapterOptions> = {
  defaultHeaders: { "x-content-type-options": "nosniff" },
};

export function fcHttpAdapter(opts: FcHttpAdapterOptions = {}): MiddlewareObj<HttpEvent, HttpResponse> {
  const options = { ...defaults, ...opts };
  const withDefaults = (response: HttpResponse | null): void => {
    if (!response) return;
    response.headers = { ...options.defaultHeaders, ...response.headers };
    response.isBase64Encoded ??= false;
  };
  return {
    before: (request) => {
      const api: ApiRequest = { ...toHttpRequest(request.event), kind: "api-request", params: {} };
      request.event = api;
    },
    after: (request) => withDefaults(request.response),
    onError: (request) => withDefaults(request.response),
  };
}
