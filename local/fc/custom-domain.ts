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
