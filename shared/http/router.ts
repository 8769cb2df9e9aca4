/**
 * middy middleware: routes with the shared route table. An unknown path is 404; a known path with
 * another method is 405 with `Allow`. A route that the table gives to the other function is 404
 * here: each function is deployed behind its own trigger (s.yaml), so such a request reached the
 * wrong endpoint.
 */
import type { MiddlewareObj } from "@middy/core";
import { expectApiRequest, type HttpEvent } from "./api-request";
import type { HttpResponse } from "./fc-http-event";
import { HttpProblem } from "./problems";
import { type FunctionName, matchRoute, ROUTES, type Route } from "./routes";

export interface RouterOptions {
  /** The function this chain runs in; undefined serves every route (the local gateway's view). */
  functionName?: FunctionName;
  routes?: readonly Route[] | undefined;
}

export function router(opts: RouterOptions = {}): MiddlewareObj<HttpEvent, HttpResponse> {
  const routes = opts.routes ?? ROUTES;
  return {
    before: (request) => {
      const api = expectApiRequest(request.event);
      const match = matchRoute(api.method, api.path, routes);
      if (match.kind === "not-found")
        throw new HttpProblem("not-found", `There is no resource at ${api.path}`);
      if (match.kind === "method-not-allowed") {
        const allow = match.allow.join(", ");
        throw new HttpProblem(
          "method-not-allowed",
          `${api.method} is not allowed on ${api.path}; allowed: ${allow}`,
          { allow: match.allow },
          { allow },
        );
      }
      if (opts.functionName && match.route.function !== opts.functionName) {
        throw new HttpProblem(
          "not-found",
          `${match.route.method} ${match.route.path} is served by the ${match.route.function} endpoint`,
        );
      }
      api.route = match.route;
      api.params = match.params;
    },
  };
}
