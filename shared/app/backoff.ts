/**
 * Exponential backoff with full jitter: the n-th retry (0-based) waits a uniformly random time in
 * [0, min(cap, base * 2^n)). Full jitter spreads workers that were throttled together, so they do
 * not come back in step and get throttled together again.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 8_000 };

/** The longest wait the n-th retry can draw. */
export function backoffCeiling(retry: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  // 2^n overflows to Infinity long after it passes any cap; min() keeps that harmless.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry));
}

/** `random` returns [0, 1) like Math.random; injected so tests can seed it. */
export function backoffDelay(
  retry: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  return Math.floor(random() * backoffCeiling(retry, policy));
}
