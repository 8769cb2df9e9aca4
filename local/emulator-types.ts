/** What every emulator's `start` takes and returns, so the CLI and the local stack treat them alike. */
export interface EmulatorOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string | undefined;
  /** Keep state in this directory across restarts; in memory when absent. */
  dataDir?: string | undefined;
  /** Emulator-specific command-line flags, e.g. `--throttle-rate 0.3`. */
  args?: string[];
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Stops accepting connections, flushes state to `dataDir` if set, and resolves when closed. */
  close(): Promise<void>;
}

export type StartEmulator = (options: EmulatorOptions) => Promise<RunningEmulator>;
