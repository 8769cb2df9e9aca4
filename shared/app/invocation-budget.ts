/**
 * How much of an invocation is left. FC3 gives a function its timeout (`context.function.timeout`,
 * seconds) but no remaining-time call, so the handler notes when it started and measures from
 * there with the injected clock.
 */
import type { Clock } from "./ports";

export class InvocationBudget {
  private constructor(
    private readonly clock: Clock,
    /** Epoch ms after which the platform may kill the invocation. */
    readonly deadline: number,
  ) {}

  /** `startedAt` is when the invocation began; the handler passes the time it was entered. */
  static fromTimeout(clock: Clock, timeoutSeconds: number, startedAt: Date = clock.now()): InvocationBudget {
    return new InvocationBudget(clock, startedAt.getTime() + timeoutSeconds * 1000);
  }

  static until(clock: Clock, deadline: Date): InvocationBudget {
    return new InvocationBudget(clock, deadline.getTime());
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - this.clock.now().getTime());
  }
}
