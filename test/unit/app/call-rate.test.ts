import { describe, expect, it } from "vitest";
import { AccountCallPacer, instanceCallPacer, SharedCallPacer } from "../../../shared/app/call-rate";
import { FakeClock } from "../../support/fakes";
import { InMemoryCallSlotLedger, VirtualClock } from "./call-slot-fakes";

const T0 = new Date("2026-11-27T16:00:00.000Z");
const A = "1000000000000001";
const B = "1000000000000002";

/** Takes `count` slots for `account` one after another and returns their times on the fake clock. */
async function slots(
  pacer: AccountCallPacer,
  clock: FakeClock,
  account: string,
  count: number,
): Promise<number[]> {
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    expect(await pacer.acquire(account, 60_000)).toBe(true);
    at.push(clock.now().getTime() - T0.getTime());
  }
  return at;
}

describe("AccountCallPacer", () => {
  it.each([
    // accountQps, instances, headroom -> ms between calls of one instance
    [20, 4, 1, 200],
    [20, 1, 1, 50],
    [10, 2, 0.5, 400],
  ])(
    "%i qps shared by %i instances at headroom %f: one call every %i ms",
    async (accountQps, instances, headroom, gap) => {
      const clock = new FakeClock(new Date(T0));
      const pacer = new AccountCallPacer(clock, { accountQps, instances, headroom });
      const at = await slots(pacer, clock, A, 5);
      expect(at).toEqual([0, gap, 2 * gap, 3 * gap, 4 * gap]);
    },
  );

  it("keeps a schedule per account: one account's calls do not delay another's", async () => {
    const clock = new FakeClock(new Date(T0));
    const pacer = new AccountCallPacer(clock, { accountQps: 4, instances: 1, headroom: 1 });
    await slots(pacer, clock, A, 3);
    const before = clock.now().getTime();
    expect(await pacer.acquire(B, 0)).toBe(true);
    expect(clock.now().getTime()).toBe(before);
  });

  it("refuses a slot further away than the caller can wait, without taking it", async () => {
    const clock = new FakeClock(new Date(T0));
    const pacer = new AccountCallPacer(clock, { accountQps: 1, instances: 1, headroom: 1 });
    expect(await pacer.acquire(A, 0)).toBe(true);
    expect(await pacer.acquire(A, 999)).toBe(false);
    expect(clock.now()).toEqual(T0);
    // The refused slot is still free for the next caller who can wait for it.
    expect(await pacer.acquire(A, 1000)).toBe(true);
    expect(clock.now().getTime() - T0.getTime()).toBe(1000);
  });

  it("halves the rate on throttling down to the floor, and wins it back with answered calls", () => {
    const clock = new FakeClock(new Date(T0));
    const pacer = new AccountCallPacer(clock, { accountQps: 8, instances: 1, headroom: 1, floorQps: 1 });
    expect(pacer.rateOf(A)).toBe(8);
    pacer.throttled(A);
    expect(pacer.rateOf(A)).toBe(4);
    for (let i = 0; i < 5; i++) pacer.throttled(A);
    expect(pacer.rateOf(A)).toBe(1);
    for (let i = 0; i < 10; i++) pacer.answered(A);
    expect(pacer.rateOf(A)).toBe(5);
    for (let i = 0; i < 100; i++) pacer.answered(A);
    expect(pacer.rateOf(A)).toBe(8);
    expect(pacer.rateOf(B)).toBe(8);
  });

  it("after throttling, the next slot moves out to the slower pace", async () => {
    const clock = new FakeClock(new Date(T0));
    const pacer = new AccountCallPacer(clock, { accountQps: 10, instances: 1, headroom: 1 });
    await pacer.acquire(A, 0);
    pacer.throttled(A);
    await pacer.acquire(A, 10_000);
    expect(clock.now().getTime() - T0.getTime()).toBe(200);
  });

  it("one pacer per clock for the life of the instance", () => {
    const clock = new FakeClock(new Date(T0));
    expect(instanceCallPacer(clock)).toBe(instanceCallPacer(clock));
    expect(instanceCallPacer(new FakeClock(new Date(T0)))).not.toBe(instanceCallPacer(clock));
  });
});

/** The most calls of `times` (ms, any order) inside any span of `spanMs`. */
function busiestSpan(times: number[], spanMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] as number) - (sorted[from] as number) >= spanMs) from++;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

/**
 * `instances` pacers on one ledger, each running `lanes` concurrent callers (as the worker runs
 * messages), share `callsPerAccount` calls for each account; returns the call times per account.
 */
async function drain(options: {
  clock: VirtualClock;
  ledger: InMemoryCallSlotLedger;
  instances: number;
  lanes: number;
  accounts: string[];
  callsPerAccount: number;
  accountQps?: number;
  /** Called with (instance, account) after each call: lets a test answer with throttling. */
  answer?: (pacer: SharedCallPacer, account: string, at: number) => void;
}): Promise<Map<string, number[]>> {
  const { clock, ledger, accounts } = options;
  const pacers = Array.from(
    { length: options.instances },
    () => new SharedCallPacer(ledger, clock, { accountQps: options.accountQps ?? 20 }),
  );
  const left = new Map(accounts.map((a) => [a, options.callsPerAccount]));
  const calls = new Map<string, number[]>(accounts.map((a) => [a, []]));
  let turn = 0;
  const lane = async (pacer: SharedCallPacer): Promise<void> => {
    for (;;) {
      const open = accounts.filter((a) => (left.get(a) ?? 0) > 0);
      if (open.length === 0) return;
      const account = open[turn++ % open.length] as string;
      left.set(account, (left.get(account) ?? 0) - 1);
      expect(await pacer.acquire(account, 120_000)).toBe(true);
      const at = clock.now().getTime();
      calls.get(account)?.push(at);
      if (options.answer) options.answer(pacer, account, at);
      else pacer.answered(account);
    }
  };
  await clock.run(Promise.all(pacers.flatMap((p) => Array.from({ length: options.lanes }, () => lane(p)))));
  return calls;
}

describe("SharedCallPacer", () => {
  it("gives one caller the account's slots evenly spaced: 19 a second at 20 qps and 0.95 headroom", async () => {
    const clock = new VirtualClock(T0);
    const ledger = new InMemoryCallSlotLedger();
    const pacer = new SharedCallPacer(ledger, clock, { accountQps: 20, headroom: 0.95 });
    expect(pacer.capacity).toBe(19);
    const at: number[] = [];
    await clock.run(
      (async () => {
        for (let i = 0; i < 40; i++) {
          expect(await pacer.acquire(A, 60_000)).toBe(true);
          at.push(clock.now().getTime() - T0.getTime());
        }
      })(),
    );
    // Slot k is at k * 1000 / 19 ms; the clock counts whole milliseconds.
    at.forEach((t, k) => {
      expect(Math.abs(t - (k * 1000) / 19)).toBeLessThan(1);
    });
    expect(busiestSpan(at)).toBe(19);
    expect(ledger.takes).toBe(40);
  });

  it.each([
    [16, 5],
    [2, 5],
    [64, 1],
  ])(
    "%i instances with %i concurrent callers each, 3 accounts: no second holds more than 20 calls of an account, and the drain takes about calls / 19 s",
    async (instances, lanes) => {
      const clock = new VirtualClock(T0);
      const ledger = new InMemoryCallSlotLedger(clock, 6);
      const accounts = [A, B, "1000000000000003"];
      const calls = await drain({ clock, ledger, instances, lanes, accounts, callsPerAccount: 190 });
      for (const account of accounts) {
        const times = calls.get(account) as number[];
        expect(times).toHaveLength(190);
        expect(busiestSpan(times)).toBeLessThanOrEqual(20);
        // 190 calls at 19 a second: the last one ~9.95 s after the first; 10% for round trips.
        const span = Math.max(...times) - Math.min(...times);
        expect(span).toBeLessThan(11_000);
      }
    },
  );

  it("a caller arriving in the middle of a second takes its next live slot, not a past one, in at most two round trips", async () => {
    const clock = new VirtualClock(new Date(T0.getTime() + 500));
    const ledger = new InMemoryCallSlotLedger();
    const pacer = new SharedCallPacer(ledger, clock, { accountQps: 20, headroom: 0.95 });
    await clock.run(pacer.acquire(A, 60_000));
    const waited = clock.now().getTime() - T0.getTime() - 500;
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(pacer.gapMs);
    expect(ledger.takes).toBe(2);
    // The next caller gets the slot after it.
    const first = clock.now().getTime();
    await clock.run(pacer.acquire(A, 60_000));
    expect(Math.abs(clock.now().getTime() - first - pacer.gapMs)).toBeLessThan(1);
  });

  it("a caller that wakes long after its slot does not call then: it takes a later slot", async () => {
    const clock = new VirtualClock(T0);
    const ledger = new InMemoryCallSlotLedger();
    const pacer = new SharedCallPacer(ledger, clock, { accountQps: 20, headroom: 0.95 });
    await clock.run(pacer.acquire(A, 60_000));
    // The process stalls: the next sleep ends 200 ms late.
    const sleep = clock.sleep.bind(clock);
    let stalls = 1;
    clock.sleep = (ms) => sleep(ms + (stalls-- > 0 ? 200 : 0));
    await clock.run(pacer.acquire(A, 60_000));
    const at = clock.now().getTime() - T0.getTime();
    const slot = Math.round(at / pacer.gapMs);
    expect(slot).toBeGreaterThan(1);
    expect(Math.abs(at - slot * pacer.gapMs)).toBeLessThanOrEqual(pacer.gapMs / 2);
  });

  it("refuses when the next free slot lies further away than the caller can wait", async () => {
    const clock = new VirtualClock(T0);
    const ledger = new InMemoryCallSlotLedger();
    const pacer = new SharedCallPacer(ledger, clock, { accountQps: 2, headroom: 1 });
    expect(await clock.run(pacer.acquire(A, 0))).toBe(true);
    expect(await clock.run(pacer.acquire(A, 100))).toBe(false);
    expect(clock.now()).toEqual(T0);
    // The account's other slots are another instance's to take, on the same ledger.
    const other = new SharedCallPacer(ledger, clock, { accountQps: 2, headroom: 1 });
    expect(await clock.run(other.acquire(A, 10_000))).toBe(true);
    expect(clock.now().getTime() - T0.getTime()).toBe(1000);
    // Another account has its own schedule.
    expect(await clock.run(other.acquire(B, 0))).toBe(true);
  });

  it("throttling halves the share of each second the instance uses, down to the floor, and answers win it back", () => {
    const pacer = new SharedCallPacer(new InMemoryCallSlotLedger(), new FakeClock(new Date(T0)), {
      floorShare: 0.1,
    });
    expect(pacer.shareOf(A)).toBe(1);
    pacer.throttled(A);
    expect(pacer.shareOf(A)).toBe(0.5);
    for (let i = 0; i < 5; i++) pacer.throttled(A);
    expect(pacer.shareOf(A)).toBe(0.1);
    for (let i = 0; i < 4; i++) pacer.answered(A);
    expect(pacer.shareOf(A)).toBeCloseTo(0.5, 10);
    for (let i = 0; i < 10; i++) pacer.answered(A);
    expect(pacer.shareOf(A)).toBe(1);
    expect(pacer.shareOf(B)).toBe(1);
  });

  it("instances that see throttling slow the account down together: at half share, half the calls a second", async () => {
    const clock = new VirtualClock(T0);
    const ledger = new InMemoryCallSlotLedger(clock, 4);
    // Every call is answered with throttling, so every instance sits at half share... and lower;
    // hold the share at a half by answering the other calls.
    let n = 0;
    const calls = await drain({
      clock,
      ledger,
      instances: 8,
      lanes: 3,
      accounts: [A],
      callsPerAccount: 95,
      answer: (pacer, account) => {
        if (pacer.shareOf(account) > 0.5) pacer.throttled(account);
        n++;
      },
    });
    expect(n).toBe(95);
    const times = calls.get(A) as number[];
    // The first answers come back within the first second; the tickets taken before them at full
    // share are used, after that each second holds the first 9 of its 19 slots.
    const later = times.filter((t) => t >= T0.getTime() + 2000);
    expect(later.length).toBeGreaterThan(50);
    expect(busiestSpan(later)).toBeLessThanOrEqual(10);
    // About 24 calls in the first 2 s, the other ~71 at 9 a second: ~8 s more.
    expect(Math.max(...times) - T0.getTime()).toBeGreaterThan(8_500);
  });

  it("a ledger failure means no call: acquire resolves false and the failure is reported", async () => {
    const clock = new VirtualClock(T0);
    const ledger = new InMemoryCallSlotLedger();
    const failures: unknown[] = [];
    const pacer = new SharedCallPacer(ledger, clock, {}, (err) => failures.push(err));
    ledger.failWith = new Error("OTSServerUnavailable");
    expect(await clock.run(pacer.acquire(A, 60_000))).toBe(false);
    expect(failures).toEqual([ledger.failWith]);
    ledger.failWith = undefined;
    expect(await clock.run(pacer.acquire(A, 60_000))).toBe(true);
  });

  it("remembers at most maxAccounts accounts, forgetting the oldest", () => {
    const pacer = new SharedCallPacer(new InMemoryCallSlotLedger(), new FakeClock(new Date(T0)), {
      maxAccounts: 2,
    });
    pacer.throttled(A);
    pacer.throttled(B);
    pacer.throttled("1000000000000003");
    expect(pacer.shareOf(B)).toBe(0.5);
    expect(pacer.shareOf(A)).toBe(1);
  });
});
