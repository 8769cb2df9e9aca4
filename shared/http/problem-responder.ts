/**
 * middy middleware: every error leaves as an `application/problem+json` response. An HttpProblem
 * says what to answer; anything else is a defect or an outage and answers 500 without internals,
 * logged with the request id so the answer can be traced.
 */
import type { MiddlewareObj } from "@middy/core";
import type { Logger } from "../app/ports";
import { DependencyError, errorFields, isOutageStatus } from "../domain/errors";
import { type HttpEvent, isApiRequest } from "./api-request";
import { type HttpResponse, jsonResponse } from "./fc-http-event";
import { HttpProblem, isHttpProblem } from "./problems";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problemResponse(problem: HttpProblem, instance?: string): HttpResponse {
  return jsonResponse(problem.status, problem.toDetails(instance), problem.headers, PROBLEM_CONTENT_TYPE);
}

export interface ProblemResponderOptions {
  logger?: Logger | undefined;
}

export function problemResponder(opts: ProblemResponderOptions = {}): MiddlewareObj<HttpEvent, HttpResponse> {
  return {
    onError: (request) => {
      const error = request.error;
      const api = isApiRequest(request.event) ? request.event : undefined;
      const fields = { requestId: api?.requestId, method: api?.method, path: api?.path };
      let problem: HttpProblem;
      if (isHttpProblem(error)) {
        problem = error;
        if (problem.status >= 500) opts.logger?.error(problem.message, { ...fields, code: problem.code });
      } else if (isDependencyOutage(error)) {
        problem = new HttpProblem(
          "service-unavailable",
          undefined,
          {},
          { "retry-after": String(OUTAGE_RETRY_AFTER_SECONDS) },
        );
        opts.logger?.error("dependency unavailable", { ...fields, error: errorFields(error) });
      } else {
        problem = new HttpProblem("internal", "An unexpected error occurred; the request id identifies it");
        opts.logger?.error("unhandled error", { ...fields, error: errorFields(error) });
      }
      const instance = api?.requestId ? `urn:fc:request:${api.requestId}` : undefined;
      request.response = problemResponse(problem, instance);
    },
  };
}

export const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * A dependency's error (TablestoreError, MnsError) that says the service behind it did not answer
 * (`httpStatus` 0), throttled (429) or failed (5xx): the caller may retry, so 503, not 500.
 */
export function isDependencyOutage(error: unknown): boolean {
  return error instanceof DependencyError && isOutageStatus(error.httpStatus);
}
