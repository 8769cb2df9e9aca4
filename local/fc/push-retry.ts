/**
 * EventBridge event streams' push retry strategies, as documented ("Retry policies and dead-letter
 * queues", https://www.alibabacloud.com/help/en/eventbridge/user-guide/retry-and-dead-letter):
 * - BACKOFF_RETRY (the default): up to 3 retries, each a random 10 to 20 seconds after the previous
 *   attempt;
 * - EXPONENTIAL_DECAY_RETRY: up to 176 retries, 1, 2, 4, ... 512 seconds apart, then 512 seconds for
 *   the remaining 167 (about one day in all).
 * After the last retry the errors tolerance decides: ALL skips the event (to the dead-letter queue
 * when one is set, else discarded), NONE blocks the stream.
 */

export interface PushRetryStrategy {
  /** Retries after the first attempt. */
  retries: number;
  /** Seconds before retry `retry` (1-based), given a source of randomness in [0, 1). */
  delaySeconds(retry: number, random: () => number): number;
}

export type PushRetryStrategyName = "BACKOFF_RETRY" | "EXPONENTIAL_DECAY_RETRY";

export const PUSH_RETRY_STRATEGIES: Readonly<Record<PushRetryStrategyName, PushRetryStrategy>> = {
  BACKOFF_RETRY: { retries: 3, delaySeconds: (_retry, random) => 10 + 10 * random() },
  EXPONENTIAL_DECAY_RETRY: { retries: 176, delaySeconds: (retry) => Math.min(512, 2 ** (retry - 1)) },
};
