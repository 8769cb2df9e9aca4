/**
 * One HTTP function as a middy chain: FC adapter, access log, problem responses, routing, JWT, JSON body, then
 * the route's operation. functions/submit and functions/status are this plus their operations.
 */
import middy, { type MiddlewareObj } from "@middy/core";
import type { Logger } from "../app/ports";
import { accessLog } from "./access-log";
import {
  expectAuthorized,
  type HttpEvent,
  type HttpInvocationContext,
  type OperationHandler,
} from "./api-request";
import { jwtAuth, type TokenVerifier } from "./auth";
import { fcHttpAdapter } from "./fc-http-adapter";
import type { HttpResponse } from "./fc-http-event";
import { jsonBody } from "./json-body";
import { problemResponder } from "./problem-responder";
import { HttpProblem } from "./problems";
import { router } from "./router";
import type { FunctionName, Operation, Route } from "./routes";

export interface HttpFunctionOptions {
  functionName: FunctionName;
  operations: Partial<Record<Operation, OperationHandler>>;
  /** Built on first use (cold start), from the configuration. */
  verifier: () => TokenVerifier;
  logger?: Logger;
  routes?: readonly Route[];
  /**
   * Answers some requests before routing, without a token (the status function's web console,
   * ./console-pages); what it passes on goes through the API chain.
   */
  pages?: MiddlewareObj<HttpEvent, HttpResponse>;
}

export function createHttpFunction(options: HttpFunctionOptions) {
  const dispatch = async (event: HttpEvent, context: HttpInvocationContext): Promise<HttpResponse> => {
    const request = expectAuthorized(event);
    const operation = options.operations[request.route.operation];
    if (!operation) throw new HttpProblem("internal", `No handler for ${request.route.operation}`);
    return operation(request, context);
  };
  return middy<HttpEvent, HttpResponse, Error, HttpInvocationContext>()
    .use(fcHttpAdapter())
    .use(accessLog({ logger: options.logger }))
    .use(problemResponder({ logger: options.logger }))
    .use(options.pages ? [options.pages] : [])
    .use(router({ functionName: options.functionName, routes: options.routes }))
    .use(jwtAuth({ verifier: options.verifier }))
    .use(jsonBody())
    .handler(dispatch);
}
