/**
 * The event as it travels through the middy chain: the FC input is replaced by an ApiRequest by
 * the adapter, and each middleware after it adds what it established (route, caller, JSON body).
 */
import type { FcContext } from "../fc/context";
import type { Caller } from "./caller";
import type { FcHttpInput, HttpRequest, HttpResponse } from "./fc-http-event";
import { HttpProblem } from "./problems";
import type { Route } from "./routes";

export interface ApiRequest extends HttpRequest {
  kind: "api-request";
  route?: Route;
  params: Record<string, string>;
  caller?: Caller;
  /** The parsed JSON body, on routes that take one. */
  json?: unknown;
}

/** The event type of an HTTP function's middy chain: what FC passes in, or what the adapter made of it. */
export type HttpEvent = FcHttpInput | ApiRequest;

export const isApiRequest = (event: unknown): event is ApiRequest =>
  typeof event === "object" &&
  event !== null &&
  !(event instanceof Uint8Array) &&
  (event as { kind?: unknown }).kind === "api-request";

export function expectApiRequest(event: HttpEvent): ApiRequest {
  if (!isApiRequest(event)) throw new HttpProblem("internal", "The FC HTTP adapter did not run");
  return event;
}

/** The request once routed and authenticated: what an operation handler gets. */
export interface AuthorizedRequest extends ApiRequest {
  route: Route;
  caller: Caller;
}

export function expectAuthorized(event: HttpEvent): AuthorizedRequest {
  const request = expectApiRequest(event);
  if (!request.route || !request.caller)
    throw new HttpProblem("internal", "The router and the authorizer must run before the handler");
  return request as AuthorizedRequest;
}

/** The FC context an HTTP function receives (docs/cloud-facts.md, "FC3 invocation context"). */
export type HttpInvocationContext = FcContext;

/** One route's work; the context carries the credentials the adapters are built from. */
export type OperationHandler = (
  request: AuthorizedRequest,
  context: HttpInvocationContext,
) => Promise<HttpResponse>;
