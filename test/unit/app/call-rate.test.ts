import { describe, expect, it } from "vitest";
import { AccountCallPacer, instanceCallPacer } from "../../../shared/app/call-rate";
import { FakeClock } from "./fakes";

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
