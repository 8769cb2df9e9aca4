/**
 * In-memory stand-ins for the shared pacer's tests: a ledger (the CallSlotLedger port) and a
 * virtual clock whose sleeps wait for the test to move time on, so many pacers can run
 * concurrently against one timeline without real waiting.
 */
import type { CallSlotLedger, Clock } from "../../../shared/app/ports";

export class InMemoryCallSlotLedger implements CallSlotLedger {
  readonly taken = new Map<string, number>();
  /** Round trips made. */
  takes = 0;
  /** Makes every take fail with this error while set. */
  failWith: Error | undefined;

  constructor(
    private readonly clock?: VirtualClock,
    /** Virtual ms each take spends on the way to the store and back. */
    private readonly latencyMs = 0,
  ) {}

  async take(accountId: string, window: number, count: number): Promise<number> {
    this.takes++;
    if (this.latencyMs > 0 && this.clock) await this.clock.sleep(this.latencyMs / 2);
    if (this.failWith) throw this.failWith;
    const key = `${accountId}/${window}`;
    const total = (this.taken.get(key) ?? 0) + count;
    this.taken.set(key, total);
    if (this.latencyMs > 0 && this.clock) await this.clock.sleep(this.latencyMs / 2);
    return total;
  }
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Time moves only in {@link VirtualClock.run}: to the next timer once every task is waiting. */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Whole milliseconds, never early, as setTimeout.
      this.timers.push({ at: this.current + Math.max(0, Math.ceil(ms)), seq: this.seq++, resolve });
    });
  }

  /** Runs `work` to its end, moving time from timer to timer whenever nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (!next) throw new Error("every task waits and no timer is set: deadlock");
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
    return result;
  }
}
