/**
 * How an FC3 custom domain picks the function for a request, from its `routeConfig.routes`
 * (s.domain.yaml; docs/deploy.md, "One API host"). Documented by FC: a path matches exactly, or,
 * ending in `*`, every path that begins with what precedes the `*`; an exact match wins over a
 * wildcard, and among wildcards the longest prefix wins. A route's `methods` limit it to those
 * methods.
 *
 * FC's documentation is silent on two routes with the same path and different methods (the API
 * needs them: GET and POST /v1/pipelines are served by two functions). This reads them as the
 * fc3-domain component presents them, routes by path and method: among the routes of the best
 * path, the one that lists the method. None listing it means no route: undefined, which the
 * caller answers as FC would answer a request no route takes.
 */
import path from "node:path";
import { type Credentials, resolveSYaml, S_YAML_PATH } from "./s-yaml";

export interface DomainRoute {
  path: string;
  functionName: string;
  /** Absent or empty: every method. */
  methods?: readonly string[];
  qualifier?: string;
}

const isWildcard = (route: DomainRoute): boolean => route.path.endsWith("*");
const prefixOf = (route: DomainRoute): string => route.path.slice(0, -1);

function bestPathRoutes(routes: readonly DomainRoute[], path: string): DomainRoute[] {
  const exact = routes.filter((route) => !isWildcard(route) && route.path === path);
  if (exact.length > 0) return exact;
  const wild = routes.filter((route) => isWildcard(route) && path.startsWith(prefixOf(route)));
  const longest = Math.max(-1, ...wild.map((route) => prefixOf(route).length));
  return wild.filter((route) => prefixOf(route).length === longest);
}

/** The route that takes `method` on `path` (a decoded path), or undefined. */
export function matchDomainRoute(
  routes: readonly DomainRoute[],
  method: string,
  path: string,
): DomainRoute | undefined {
  const wanted = method.toUpperCase();
  return bestPathRoutes(routes, path).find(
    (route) => !route.methods || route.methods.length === 0 || route.methods.includes(wanted),
  );
}

/** The path a custom domain route needs for a route-table path: each `{param}` segment on is `*`. */
export function domainPathOf(templatePath: string): string {
  const param = templatePath.indexOf("/{");
  return param < 0 ? templatePath : `${templatePath.slice(0, param)}/*`;
}

/** s.domain.yaml: s.yaml plus the custom domain (docs/deploy.md, "One API host"). */
export const S_DOMAIN_YAML_PATH = path.join(path.dirname(S_YAML_PATH), "s.domain.yaml");

/**
 * Values for the variables s.domain.yaml and the s.yaml it extends cannot do without. The local
 * gateway reads only the routes, which depend on none of them.
 */
const PLACEHOLDER_ENV = {
  JWT_JWKS_URL: "https://localhost/jwks.json",
  JWT_ISSUER: "https://localhost/",
  JWT_AUDIENCE: "local",
  CUSTOM_DOMAIN: "api.localhost",
  CUSTOM_DOMAIN_CERT_ID: "local",
};

const isDomainRoute = (value: unknown): value is DomainRoute =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as DomainRoute).path === "string" &&
  typeof (value as DomainRoute).functionName === "string";

/** The custom domain's routes as `s` resolves s.domain.yaml. */
export async function resolveDomainRoutes(credentials: Credentials): Promise<DomainRoute[]> {
  const props = await resolveSYaml(credentials, PLACEHOLDER_ENV, S_DOMAIN_YAML_PATH);
  const routes = (props["api-domain"]?.routeConfig as { routes?: unknown } | undefined)?.routes;
  if (!Array.isArray(routes) || !routes.every(isDomainRoute))
    throw new Error("s.domain.yaml: api-domain has no routeConfig.routes of {path, functionName}");
  return routes;
}

/** The function (by s.yaml functionName) that the domain gives a request, or undefined. */
export function routeByDomain<F>(
  routes: readonly DomainRoute[],
  functions: ReadonlyMap<string, F>,
  method: string,
  path: string,
): F | undefined {
  const route = matchDomainRoute(routes, method, path);
  return route ? functions.get(route.functionName) : undefined;
}
