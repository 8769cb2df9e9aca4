/**
 * How `npm start` ends: SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal closed), or its parent
 * process going away, start one clean stop; a second signal during it, or a stop that outlasts
 * `forceAfterMs`, exits at once. Exiting early loses nothing answered: the emulators journal every
 * change before they answer it.
 *
 * The parent check is for `npm start`: npm runs the script through `sh -c`, and when npm is sent
 * SIGTERM it forwards it to that shell only, which dies without passing it on. This process then
 * sees its parent change (it is re-parented) and stops by itself.
 */
import type { EventEmitter } from "node:events";

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface StopOnSignalsOptions {
  /** The clean stop; resolves when everything is closed. */
  stop: () => Promise<void>;
  exit: (code: number) => void;
  log: (line: string) => void;
  /** Where the signals come from; default `process`. */
  signals?: Pick<EventEmitter, "on" | "off">;
  /** A stop still running after this long exits anyway (code 1); default 8 000 ms. */
  forceAfterMs?: number;
  /** The parent process id now (default `() => process.ppid`); polled every `parentCheckMs`. */
  parentPid?: () => number;
  /** Default 500 ms; 0 turns the parent check off. */
  parentCheckMs?: number;
}

export interface SignalStop {
  /** Starts the clean stop as a signal would (used when the stack fails to start, too). */
  request(reason: string): void;
  dispose(): void;
}

export function stopOnSignals(options: StopOnSignalsOptions): SignalStop {
  const signals = options.signals ?? process;
  const parentPid = options.parentPid ?? (() => process.ppid);
  const forceAfterMs = options.forceAfterMs ?? 8000;
  let stopping = false;
  let forceTimer: NodeJS.Timeout | undefined;

  const request = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    options.log(`${reason}: stopping ... (again to force)`);
    forceTimer = setTimeout(() => {
      options.log(`still stopping after ${forceAfterMs} ms: exiting anyway`);
      options.exit(1);
    }, forceAfterMs);
    options.stop().then(
      () => {
        clearTimeout(forceTimer);
        options.exit(0);
      },
      (err: unknown) => {
        clearTimeout(forceTimer);
        options.log(`stop failed: ${err instanceof Error ? err.message : String(err)}`);
        options.exit(1);
      },
    );
  };

  const onSignal = (signal: string): void => {
    if (!stopping) {
      request(signal);
      return;
    }
    clearTimeout(forceTimer);
    options.log(`${signal} again: exiting now`);
    options.exit(1);
  };
  const handlers = STOP_SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) signals.on(signal, handler);

  const firstParent = parentPid();
  const parentCheckMs = options.parentCheckMs ?? 500;
  const parentTimer =
    parentCheckMs > 0
      ? setInterval(() => {
          if (parentPid() !== firstParent) request("the parent process exited");
        }, parentCheckMs)
      : undefined;
  parentTimer?.unref();

  return {
    request,
    dispose: () => {
      for (const [signal, handler] of handlers) signals.off(signal, handler);
      clearInterval(parentTimer);
      clearTimeout(forceTimer);
    },
  };
}
