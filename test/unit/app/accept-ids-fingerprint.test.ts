import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  fingerprint,
  fingerprintOfCanonical,
  fingerprintOfList,
} from "../../../shared/app/fingerprint";
import { isRecordId, newRecordId, recordIdTime } from "../../../shared/app/ids";
import { FakeClock } from "../../support/fakes";

describe("newRecordId", () => {
  it("makes a 26-character ULID that encodes the clock's time", () => {
    const clock = new FakeClock(new Date("2026-11-27T16:00:00.123Z"));
    const id = newRecordId(clock);
    expect(isRecordId(id)).toBe(true);
    expect(recordIdTime(id).toISOString()).toBe("2026-11-27T16:00:00.123Z");
  });

  it("encodes the random part exactly", () => {
    const clock = new FakeClock(new Date(0));
    expect(newRecordId(clock, () => new Uint8Array(10))).toBe("0".repeat(26));
    expect(newRecordId(clock, () => new Uint8Array(10).fill(255))).toBe(`${"0".repeat(10)}${"Z".repeat(16)}`);
  });

  it("sorts by time as strings", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 10 ** 9 }), (t, dt) => {
        const a = newRecordId(new FakeClock(new Date(t)));
        const b = newRecordId(new FakeClock(new Date(t + dt)));
        return a < b;
      }),
    );
  });
});

describe("fingerprint", () => {
  it("ignores key order at every level and undefined members", () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: "s" }, u: undefined };
    const b = { a: { x: "s", y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"x":"s","y":[1,{"p":2,"q":1}]},"b":1}');
    expect(fingerprint(a)).toBe(fingerprint(b));
  });

  it("tells different values apart", () => {
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: "1" }));
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
  });

  it("is the same when made from canonical JSON at hand, whole or element by element", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 6 }), (list) => {
        expect(fingerprintOfCanonical(canonicalJson(list))).toBe(fingerprint(list));
        expect(
          fingerprintOfList(
            "batch",
            list.map((v) => canonicalJson(v ?? null)),
          ),
        ).toBe(fingerprint({ batch: list }));
      }),
    );
  });
});
