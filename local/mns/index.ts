import type { EmulatorOptions, RunningEmulator } from "../emulator-types";

/** Placeholder until the mns emulator lands. */
export async function start(_options: EmulatorOptions): Promise<RunningEmulator> {
  throw new Error("the mns emulator is not built yet");
}
