/**
 * The console's calls to the API, on its own origin (the CSP's `connect-src 'self'`): the bearer
 * token on each, problem documents turned into {@link ApiError}, and `Retry-After` read for polling.
 */
import type { ProblemView } from "../shared/http/views";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemView | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `The service answered ${status}`);
  }
}

export interface Answer<T> {
  body: T;
  /** Seconds the service asks a poller to wait (`Retry-After`), if it said. */
  retryAfterSeconds?: number;
}

/**
 * One call. `body` is sent as it is, as `application/json`: the console does not parse what a
 * person typed first, so malformed JSON gets the service's own problem, as any client would.
 */
export type Api = <T>(method: "GET" | "DELETE" | "POST", path: string, body?: string) => Promise<Answer<T>>;

/** An API client for one token; `onUnauthorized` runs on a 401 (an expired or refused token). */
export function apiFor(token: string, onUnauthorized: (problem: ApiError) => void): Api {
  return async <T>(method: "GET" | "DELETE" | "POST", path: string, body?: string): Promise<Answer<T>> => {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body }),
      credentials: "omit",
      cache: "no-store",
    });
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (!response.ok) {
      const error = new ApiError(response.status, answer as ProblemView | undefined);
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    return { body: answer as T, ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) };
  };
}

/** A query string from the filled fields only. */
export function queryOf(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}
