import type { EmulatorOptions, RunningEmulator } from "../emulator-types";

/** Placeholder until the tablestore emulator lands. */
export async function start(_options: EmulatorOptions): Promise<RunningEmulator> {
  throw new Error("the tablestore emulator is not built yet");
}
