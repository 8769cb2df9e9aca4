/**
 * Client-side pacing of CreateImagePipeline per target account. ECS limits calls per account (a
 * throttled call answers `Throttling.User`); workers that fire as fast as they can collide with
 * that limit, back off with jitter and waste both calls and time. Instead every call of one worker
 * instance first takes a slot from its account's schedule, so the instance spends at most its
 * share of the account's rate.
 *
 * On FC several instances run at once and cannot see each other: each one's share is
 * `accountQps / instances`, where `instances` is the most worker invocations that run at once
 * (the trigger's concurrency). The share is a ceiling, not a promise: a `Throttling.*` answer
 * (someone else uses the account, more instances than assumed) halves the instance's rate for that
 * account, and every successful call wins back a twentieth of the ceiling (AIMD, as TCP does), so
 * instances that share an account settle under its limit without talking to each other.
 */
import type { Clock } from "./ports";

export interface CallPacingSettings {
  /** The account's limit for CreateImagePipeline in calls per second. */
  accountQps: number;
  /** Worker instances that may call for one account at the same time; each gets an equal share. */
  instances: number;
  /**
   * Fraction of the share actually used (0..1]; the rest absorbs clock skew and network jitter,
   * which otherwise push a call that left on schedule into the previous second at ECS.
   */
  headroom: number;
  /** The lowest rate throttling can push an account to, calls per second. */
  floorQps: number;
}

/** 20 calls per second per account shared by the 4 invocations the queue trigger runs at once. */
export const DEFAULT_CALL_PACING: CallPacingSettings = {
  accountQps: 20,
  instances: 4,
  headroom: 0.95,
  floorQps: 0.5,
};

/** What the worker needs from a pacer; tests may pass one that never waits. */
export interface CallPacer {
  /**
   * Waits for the account's next slot and takes it. Resolves false, without taking the slot, when
   * the slot lies further away than `maxWaitMs`: the caller then has no time for the call.
   */
  acquire(accountId: string, maxWaitMs: number): Promise<boolean>;
  /** The call for this account was throttled: slow down. */
  throttled(accountId: string): void;
  /** The call got an answer that was not throttling: speed up again towards the share. */
  answered(accountId: string): void;
}

interface AccountSchedule {
  /** Calls per second now. */
  rate: number;
  /** Epoch ms of the next free slot. */
  nextSlot: number;
}

export class AccountCallPacer implements CallPacer {
  private readonly accounts = new Map<string, AccountSchedule>();
  private readonly ceiling: number;
  private readonly floor: number;

  constructor(
    private readonly clock: Clock,
    settings: Partial<CallPacingSettings> = {},
  ) {
    const s = { ...DEFAULT_CALL_PACING, ...settings };
    this.ceiling = (s.accountQps / Math.max(1, s.instances)) * s.headroom;
    this.floor = Math.min(s.floorQps, this.ceiling);
  }

  /** Calls per second this instance allows itself for the account now. */
  rateOf(accountId: string): number {
    return this.schedule(accountId).rate;
  }

  async acquire(accountId: string, maxWaitMs: number): Promise<boolean> {
    const schedule = this.schedule(accountId);
    const now = this.clock.now().getTime();
    const slot = Math.max(now, schedule.nextSlot);
    const wait = slot - now;
    if (wait > maxWaitMs) return false;
    schedule.nextSlot = slot + 1000 / schedule.rate;
    if (wait > 0) await this.clock.sleep(wait);
    return true;
  }

  throttled(accountId: string): void {
    const schedule = this.schedule(accountId);
    schedule.rate = Math.max(this.floor, schedule.rate / 2);
    // The slots already handed out stay; the next one moves out to the slower pace.
    schedule.nextSlot = Math.max(schedule.nextSlot, this.clock.now().getTime() + 1000 / schedule.rate);
  }

  answered(accountId: string): void {
    const schedule = this.schedule(accountId);
    schedule.rate = Math.min(this.ceiling, schedule.rate + this.ceiling / 20);
  }

  private schedule(accountId: string): AccountSchedule {
    let schedule = this.accounts.get(accountId);
    if (!schedule) {
      schedule = { rate: this.ceiling, nextSlot: 0 };
      this.accounts.set(accountId, schedule);
    }
    return schedule;
  }
}

/**
 * One pacer per clock for the life of the instance (module scope), shared by every message and
 * invocation the instance handles. Keyed by clock because slots are times on that clock: the
 * system clock gets the instance's pacer, and a test's fake clock gets its own.
 */
const pacers = new WeakMap<Clock, AccountCallPacer>();

export function instanceCallPacer(clock: Clock, settings?: Partial<CallPacingSettings>): AccountCallPacer {
  let pacer = pacers.get(clock);
  if (!pacer) {
    pacer = new AccountCallPacer(clock, settings);
    pacers.set(clock, pacer);
  }
  return pacer;
}
