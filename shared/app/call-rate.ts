/**
 * Client-side pacing of CreateImagePipeline per target account. ECS limits calls per account (a
 * throttled call answers `Throttling.User`); workers that fire as fast as they can collide with
 * that limit, back off with jitter and waste both calls and time. Instead every call first takes a
 * slot from its account's schedule.
 *
 * {@link SharedCallPacer} (what the deployed worker uses): the schedule is shared by every worker
 * instance through a {@link CallSlotLedger} (a Tablestore counter per account and second). FC
 * scales the worker out to as many instances as the queue trigger pushes batches, and nothing on
 * the platform caps that for an MNS source, so an instance cannot know its share of the account's
 * limit; the ledger makes the share irrelevant: each second of an account holds `accountQps ·
 * headroom` evenly spaced slots, ticket n of a second is its n-th slot, and whoever takes a
 * ticket owns that slot, whatever the number of instances. A `Throttling.*` answer (someone else
 * uses the account) halves the share of each second's tickets the throttled instance may use (the
 * tickets above it are left unused), and every other answer wins back a tenth (AIMD, as TCP
 * does): the account's rate falls in proportion to the instances that see throttling.
 *
 * {@link AccountCallPacer}: a schedule of the instance's own, `accountQps / instances` with the
 * same AIMD on the rate, for a worker run without a ledger (tests, one process).
 */
import type { CallSlotLedger, Clock } from "./ports";

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

export interface SharedPacingSettings {
  /** The account's limit for CreateImagePipeline in calls per second. */
  accountQps: number;
  /**
   * Fraction of the limit used (0..1]; the rest absorbs clock skew between instances and network
   * jitter, which otherwise push a call that left on schedule into the previous second at ECS.
   */
  headroom: number;
  /** Length of one ledger window (one counter row), ms. */
  windowMs: number;
  /** The least share of a window's tickets throttling can push an instance to (0..1]. */
  floorShare: number;
  /**
   * Share won back by each answer that is not throttling. An instance makes only its part of the
   * account's calls, so a step of a tenth brings a halved share back within five answers: a
   * throttle from a moment of network jitter costs little, while steady throttling from someone
   * else using the account keeps halving it.
   */
  recoveryStep: number;
  /** Accounts whose share and window hint an instance remembers; the oldest is forgotten beyond. */
  maxAccounts: number;
}

export const DEFAULT_SHARED_PACING: SharedPacingSettings = {
  accountQps: 20,
  headroom: 0.95,
  windowMs: 1000,
  floorShare: 0.05,
  recoveryStep: 0.1,
  maxAccounts: 10_000,
};

interface SharedAccountState {
  /** Share (0..1] of each window's tickets this instance may use: AIMD on throttling. */
  share: number;
  /** No window before this one has a usable ticket left (this instance saw it full). */
  openWindow: number;
}

/** A ticket the pacer owns: its window and number (1-based). */
interface Ticket {
  window: number;
  number: number;
}

export class SharedCallPacer implements CallPacer {
  private readonly accounts = new Map<string, SharedAccountState>();
  private readonly settings: SharedPacingSettings;
  /** Tickets (slots) per window. */
  readonly capacity: number;
  /** ms between two slots. */
  readonly gapMs: number;

  constructor(
    private readonly ledger: CallSlotLedger,
    private readonly clock: Clock,
    settings: Partial<SharedPacingSettings> = {},
    /** A ledger failure: the call is not made (acquire resolves false, the message comes back). */
    private readonly onLedgerError: (err: unknown) => void = () => {},
  ) {
    this.settings = { ...DEFAULT_SHARED_PACING, ...settings };
    const { accountQps, headroom, windowMs } = this.settings;
    this.capacity = Math.max(1, Math.floor((accountQps * headroom * windowMs) / 1000));
    this.gapMs = windowMs / this.capacity;
  }

  /** Share of each window's tickets this instance uses for the account now. */
  shareOf(accountId: string): number {
    return this.state(accountId).share;
  }

  /** When ticket `number` of `window` may be used (epoch ms). */
  slotTime(window: number, number: number): number {
    return window * this.settings.windowMs + (number - 1) * this.gapMs;
  }

  async acquire(accountId: string, maxWaitMs: number): Promise<boolean> {
    const latest = this.clock.now().getTime() + maxWaitMs;
    for (;;) {
      let ticket: Ticket | undefined;
      try {
        ticket = await this.takeTicket(accountId, latest);
      } catch (err) {
        this.onLedgerError(err);
        return false;
      }
      if (!ticket) return false;
      const slot = this.slotTime(ticket.window, ticket.number);
      const wait = slot - this.clock.now().getTime();
      if (wait > 0) await this.clock.sleep(wait);
      // A busy process can wake long after the slot; a call made then could meet the next
      // slots' calls inside one second at ECS. Such a slot is lost and the caller takes another.
      if (this.clock.now().getTime() - slot <= this.gapMs / 2) return true;
    }
  }

  throttled(accountId: string): void {
    const state = this.state(accountId);
    state.share = Math.max(this.settings.floorShare, state.share / 2);
  }

  answered(accountId: string): void {
    const state = this.state(accountId);
    state.share = Math.min(1, state.share + this.settings.recoveryStep);
  }

  /**
   * The first ticket of `window` this instance may use whose slot is not before `latest`, or
   * undefined when none is. Walks windows forward: a window whose usable tickets are gone (taken,
   * or their slots already past) is skipped.
   */
  private async takeTicket(accountId: string, latest: number): Promise<Ticket | undefined> {
    const state = this.state(accountId);
    const { windowMs } = this.settings;
    let window = Math.max(state.openWindow, Math.floor(this.clock.now().getTime() / windowMs));
    /** Tickets of `window` known taken, from this instance's last take there. */
    let known: number | undefined;
    for (;;) {
      if (this.slotTime(window, 1) > latest) return undefined;
      const usable = Math.max(1, Math.floor(this.capacity * state.share));
      const live = this.firstLiveTicket(window);
      if (live > usable) {
        window++;
        known = undefined;
        continue;
      }
      // One ticket first. If it turns out past, the next take jumps to the first live ticket at
      // once instead of walking the past slots one round trip at a time; the first take is not a
      // jump because tickets taken by others would make it overshoot, wasting live slots.
      const count = known === undefined ? 1 : Math.max(1, live - known);
      const total = await this.ledger.take(accountId, window, count);
      const number = Math.max(total - count + 1, this.firstLiveTicket(window));
      // Once the window's usable tickets are all taken, this instance starts at the next one.
      if (total >= usable) state.openWindow = Math.max(state.openWindow, window + 1);
      if (number <= Math.min(total, usable)) {
        if (this.slotTime(window, number) > latest) return undefined;
        return { window, number };
      }
      if (total >= usable) {
        window++;
        known = undefined;
      } else {
        known = total;
      }
    }
  }

  /** The first ticket of `window` whose slot has not passed (half a gap late still counts). */
  private firstLiveTicket(window: number): number {
    const late = this.clock.now().getTime() - this.gapMs / 2 - this.slotTime(window, 1);
    return Math.max(1, Math.ceil(late / this.gapMs) + 1);
  }

  private state(accountId: string): SharedAccountState {
    let state = this.accounts.get(accountId);
    if (!state) {
      if (this.accounts.size >= this.settings.maxAccounts) {
        const oldest = this.accounts.keys().next().value;
        if (oldest !== undefined) this.accounts.delete(oldest);
      }
      state = { share: 1, openWindow: 0 };
      this.accounts.set(accountId, state);
    }
    return state;
  }
}
