/**
 * middy middleware: one line per request with the request id, route, caller and status, so a
 * problem a client reports can be found by its `instance`. Never the token or the body.
 */
import type { MiddlewareObj } from "@middy/core";
import type { Logger } from "../app/ports";
import { type HttpEvent, isApiRequest } from "./api-request";
import type { HttpResponse } from "./fc-http-event";

export interface AccessLogOptions {
  logger?: Logger | undefined;
}

export function accessLog(opts: AccessLogOptions = {}): MiddlewareObj<HttpEvent, HttpResponse> {
  const write = (event: HttpEvent, response: HttpResponse | null): void => {
    if (!opts.logger || !isApiRequest(event)) return;
    opts.logger.info("request handled", {
      requestId: event.requestId,
      method: event.method,
      path: event.path,
      operation: event.route?.operation,
      sub: event.caller?.sub,
      status: response?.statusCode,
    });
  };
  return {
    after: (request) => write(request.event, request.response),
    onError: (request) => write(request.event, request.response),
  };
}
