/**
 * The local FC timer trigger: invokes a function every `intervalSeconds` with FC's timer event
 * `{triggerTime, triggerName, payload}` (triggerTime at second precision, as FC sends it). One
 * invocation at a time: a tick that comes while the previous one still runs is skipped, so a slow
 * run is never stacked up. The stack runs the reconciler on it.
 */
import type { FunctionRuntime, InvocationResult } from "./invoker";

export interface TimerTriggerOptions {
  function: FunctionRuntime;
  triggerName: string;
  intervalSeconds: number;
  payload?: string;
  onResult?: (result: InvocationResult) => void;
}

export interface TimerTrigger {
  /** Invokes now (skipped if a run is in progress); resolves with the result, or undefined when skipped. */
  fire(): Promise<InvocationResult | undefined>;
  /**
   * Invokes now, after the run in progress (if any) has ended, so the caller always gets a run that
   * started after it asked: what "run it now" means to a person or a test.
   */
  runNow(): Promise<InvocationResult>;
  stop(): Promise<void>;
}

export function timerEvent(triggerName: string, at: Date, payload = ""): Buffer {
  return Buffer.from(
    JSON.stringify({ triggerTime: `${at.toISOString().slice(0, 19)}Z`, triggerName, payload }),
  );
}

export function startTimerTrigger(options: TimerTriggerOptions): TimerTrigger {
  let running: Promise<InvocationResult> | undefined;
  const fire = async (): Promise<InvocationResult | undefined> => {
    if (running) return undefined;
    running = options.function.invoke(timerEvent(options.triggerName, new Date(), options.payload));
    try {
      const result = await running;
      options.onResult?.(result);
      return result;
    } finally {
      running = undefined;
    }
  };
  const runNow = async (): Promise<InvocationResult> => {
    while (true) {
      await running?.catch(() => undefined);
      const result = await fire();
      if (result) return result;
    }
  };
  const timer = setInterval(() => void fire(), options.intervalSeconds * 1000);
  timer.unref();
  return {
    fire,
    runNow,
    stop: async () => {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
