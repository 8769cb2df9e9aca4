/**
 * The route table (docs/http-api.md, "Routes"): the one list that both functions route with, that
 * the local gateway dispatches with, and that the OpenAPI document is generated from.
 */

export type FunctionName = "submit" | "status";
export type HttpMethod = "GET" | "POST" | "DELETE";
export type Scope = "pipelines:write" | "pipelines:read" | "pipelines:admin";

export type Operation =
  | "createPipeline"
  | "createBatch"
  | "validatePipeline"
  | "validateBatch"
  | "cancelPipeline"
  | "getPipeline"
  | "listPipelines"
  | "getBatch";

export interface Route {
  method: HttpMethod;
  /** `{name}` segments are path parameters. */
  path: string;
  function: FunctionName;
  operation: Operation;
  /** Any one of these scopes lets the caller in (docs/http-api.md, "Authentication and authorization"). */
  scopes: readonly Scope[];
  /**
   * A JSON body is read only on routes that take one, limited to `maxBytes` bytes and, where
   * given, to `maxMembers` object members, counted before parsing (see BATCH_MAX_MEMBERS).
   */
  body?: { maxBytes: number; maxMembers?: number };
  summary: string;
}

/** 64 KiB for one request (docs/http-api.md, "Validation"). */
export const SINGLE_REQUEST_MAX_BYTES = 64 * 1024;
/**
 * A batch body may hold one request's limit per item, up to this cap, checked before parsing. FC
 * takes a synchronous event of at most 32 MB and the HTTP trigger carries the body in base64 (4/3
 * larger), so 16 MiB leaves room for the rest of the event.
 */
export const BATCH_REQUEST_MAX_BYTES = 16 * 1024 * 1024;

/**
 * More object members than any valid request can hold: about 250 (every parameter, 20 entries in
 * every list, every nested key); a test keeps this above the bound computed from the schema.
 */
export const REQUEST_MAX_MEMBERS = 400;
/**
 * A batch body is refused with more members than the envelope's `items` plus 500 such requests,
 * counted on the raw bytes before JSON.parse: parsing 16 MiB of a million unknown keys costs over
 * a second of CPU, while the count costs a scan. A single request's 64 KiB parse in a millisecond,
 * so it needs no such count and is answered with its first 100 violations whatever it holds.
 */
export const BATCH_MAX_MEMBERS = 1 + 500 * REQUEST_MAX_MEMBERS;

/** The batch limit once the items are counted: 64 KiB per item, at most the cap. */
export const batchBodyLimit = (items: number): number =>
  Math.min(Math.max(1, items) * SINGLE_REQUEST_MAX_BYTES, BATCH_REQUEST_MAX_BYTES);

export const ROUTES: readonly Route[] = [
  {
    method: "POST",
    path: "/v1/pipelines",
    function: "submit",
    operation: "createPipeline",
    scopes: ["pipelines:write"],
    body: { maxBytes: SINGLE_REQUEST_MAX_BYTES },
    summary: "Accept one CreateImagePipeline request: store it pending, enqueue it, answer 202",
  },
  {
    method: "POST",
    path: "/v1/batches",
    function: "submit",
    operation: "createBatch",
    scopes: ["pipelines:write"],
    body: { maxBytes: BATCH_REQUEST_MAX_BYTES, maxMembers: BATCH_MAX_MEMBERS },
    summary: "Accept 1..500 requests (any accounts and regions) in one call, all or nothing, answer 202",
  },
  {
    // `:validate` is a custom method on the collection (AIP-136's form): a segment of its own, so
    // no record id and no other route can collide with it. Same scope and limits as submission,
    // so a workflow that checks a request before approving it learns what the submit will answer.
    method: "POST",
    path: "/v1/pipelines:validate",
    function: "submit",
    operation: "validatePipeline",
    scopes: ["pipelines:write"],
    body: { maxBytes: SINGLE_REQUEST_MAX_BYTES },
    summary:
      "Check one request as POST /v1/pipelines would, and show it as it would be sent; stores and queues nothing",
  },
  {
    method: "POST",
    path: "/v1/batches:validate",
    function: "submit",
    operation: "validateBatch",
    scopes: ["pipelines:write"],
    body: { maxBytes: BATCH_REQUEST_MAX_BYTES, maxMembers: BATCH_MAX_MEMBERS },
    summary:
      "Check a batch as POST /v1/batches would, and show its items as they would be sent; stores and queues nothing",
  },
  {
    method: "DELETE",
    path: "/v1/pipelines/{id}",
    function: "submit",
    operation: "cancelPipeline",
    scopes: ["pipelines:write", "pipelines:admin"],
    summary: "Cancel a request that is still pending",
  },
  {
    method: "GET",
    path: "/v1/pipelines/{id}",
    function: "status",
    operation: "getPipeline",
    scopes: ["pipelines:read", "pipelines:admin"],
    summary: "One record's state and outcome",
  },
  {
    method: "GET",
    path: "/v1/pipelines",
    function: "status",
    operation: "listPipelines",
    scopes: ["pipelines:read", "pipelines:admin"],
    summary: "The caller's records, newest first, paged",
  },
  {
    method: "GET",
    path: "/v1/batches/{id}",
    function: "status",
    operation: "getBatch",
    scopes: ["pipelines:read", "pipelines:admin"],
    summary: "A batch's counts per state, whether it is done, and its items in submission order, paged",
  },
];

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: HttpMethod[] }
  | { kind: "not-found" };

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = got[index] ?? "";
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name) {
      if (actual === "") return undefined;
      params[name] = actual;
    } else if (segment !== actual) return undefined;
  }
  return params;
}

/** Finds the route for a method and a decoded path (a trailing slash is ignored). */
export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch {
  const normalized = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const wanted = method.toUpperCase();
  const onPath = routes
    .map((route) => ({ route, params: matchPath(route.path, normalized) }))
    .filter((m): m is { route: Route; params: Record<string, string> } => m.params !== undefined);
  if (onPath.length === 0) return { kind: "not-found" };
  const hit = onPath.find((m) => m.route.method === wanted);
  if (hit) return { kind: "found", route: hit.route, params: hit.params };
  return { kind: "method-not-allowed", allow: [...new Set(onPath.map((m) => m.route.method))] };
}

/** The routes one function serves. */
export const routesOf = (fn: FunctionName): Route[] => ROUTES.filter((route) => route.function === fn);
