import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stopOnSignals } from "../../../scripts/stop-on-signals";

afterEach(() => {
  vi.useRealTimers();
});

function harness(stop: () => Promise<void>, extra: { forceAfterMs?: number; parentPid?: () => number } = {}) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const lines: string[] = [];
  const handle = stopOnSignals({
    stop,
    exit: (code) => exits.push(code),
    log: (line) => lines.push(line),
    signals,
    parentCheckMs: extra.parentPid ? 10 : 0,
    ...extra,
  });
  return { signals, exits, lines, handle };
}

const never = () => new Promise<void>(() => {});

describe("stopOnSignals", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"])(
    "stops once on %s and exits 0 when the stop is done",
    async (signal) => {
      const stop = vi.fn(async () => {});
      const { signals, exits, lines, handle } = harness(stop);
      signals.emit(signal);
      await vi.waitFor(() => expect(exits).toEqual([0]));
      expect(stop).toHaveBeenCalledTimes(1);
      expect(lines[0]).toMatch(new RegExp(`^${signal}: stopping`));
      handle.dispose();
    },
  );

  it("exits 1 at once on a second signal while the first stop runs", () => {
    const { signals, exits, lines, handle } = harness(never);
    signals.emit("SIGTERM");
    expect(exits).toEqual([]);
    signals.emit("SIGINT");
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toBe("SIGINT again: exiting now");
    handle.dispose();
  });

  it("exits 1 when the stop outlasts forceAfterMs", () => {
    vi.useFakeTimers();
    const { signals, exits, handle } = harness(never, { forceAfterMs: 8000 });
    signals.emit("SIGTERM");
    vi.advanceTimersByTime(7999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    handle.dispose();
  });

  it("exits 1 when the stop fails", async () => {
    const { signals, exits, lines, handle } = harness(async () => {
      throw new Error("disk full");
    });
    signals.emit("SIGTERM");
    await vi.waitFor(() => expect(exits).toEqual([1]));
    expect(lines.at(-1)).toBe("stop failed: disk full");
    handle.dispose();
  });

  it("stops when the parent process goes away (npm's shell died), and not twice", async () => {
    let parent = 100;
    const stop = vi.fn(never);
    const { exits, lines, handle } = harness(stop, { parentPid: () => parent });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stop).not.toHaveBeenCalled();
    parent = 1;
    await vi.waitFor(() => expect(stop).toHaveBeenCalledTimes(1));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([]);
    expect(lines).toEqual(["the parent process exited: stopping ... (again to force)"]);
    handle.dispose();
  });
});
