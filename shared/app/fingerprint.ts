/**
 * The fingerprint of an accepted request, stored with its idempotency entries: a replay with the
 * same key and another fingerprint is 422 `IdempotencyKeyReused`. It is taken over the normalized
 * request (deprecated names already mapped, so `ImageName` and `ImageOptions.ImageName` count as
 * the same body) in canonical JSON: keys sorted at every level, no insignificant whitespace.
 */
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fingerprint(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value)).digest("hex")}`;
}
