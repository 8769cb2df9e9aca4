/**
 * The signed-in token: kept in sessionStorage (this tab only, gone when it closes), never in a
 * cookie, so no request carries it unless the console adds it. The claims are read, not verified:
 * the API verifies every request; the console only shows who and what scopes.
 */
const STORAGE_KEY = "image-pipelines.console.token";

export interface Session {
  token: string;
  sub: string;
  scopes: string[];
  expiresAt?: Date;
}

function base64UrlJson(part: string): unknown {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The session a token gives; throws with a sentence for a token that cannot be one. */
export function sessionOf(token: string, now = new Date()): Session {
  const trimmed = token.trim().replace(/^Bearer\s+/i, "");
  const parts = trimmed.split(".");
  if (parts.length !== 3) throw new Error("This is not a JWT: a token has three parts separated by dots.");
  let claims: { sub?: unknown; scope?: unknown; exp?: unknown };
  try {
    claims = base64UrlJson(parts[1] ?? "") as typeof claims;
  } catch {
    throw new Error("The token's claims cannot be read.");
  }
  const expiresAt = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : undefined;
  if (expiresAt && expiresAt <= now) throw new Error(`This token expired at ${expiresAt.toISOString()}.`);
  return {
    token: trimmed,
    sub: typeof claims.sub === "string" ? claims.sub : "(no subject)",
    scopes: typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [],
    ...(expiresAt ? { expiresAt } : {}),
  };
}

export function readSession(): Session | undefined {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return undefined;
  try {
    return sessionOf(token);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return undefined;
  }
}

export function saveSession(token: string): Session {
  const session = sessionOf(token);
  sessionStorage.setItem(STORAGE_KEY, session.token);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Cancelling takes write (or admin) scope (docs/http-api.md). */
export const canWrite = (session: Session): boolean =>
  session.scopes.includes("pipelines:write") || session.scopes.includes("pipelines:admin");
