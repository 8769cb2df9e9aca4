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

/** The fingerprint of a value whose canonical JSON is already at hand. */
export function fingerprintOfCanonical(canonical: string): string {
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/**
 * `fingerprint({ [key]: list })` from the canonical JSON of each element, hashed piece by piece:
 * a batch's elements are already in canonical form for their own fingerprints, and joining
 * megabytes of them into one string only to hash it costs as much again.
 */
export function fingerprintOfList(key: string, canonicalElements: readonly string[]): string {
  const hash = createHash("sha256").update(`{${JSON.stringify(key)}:[`);
  canonicalElements.forEach((element, i) => {
    if (i > 0) hash.update(",");
    hash.update(element);
  });
  return `sha256:${hash.update("]}").digest("hex")}`;
}
