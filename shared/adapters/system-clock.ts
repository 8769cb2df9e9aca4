import type { Clock } from "../app/ports";

/** The wall clock and real timers, for production wiring. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
