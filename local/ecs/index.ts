import type { EmulatorOptions, RunningEmulator } from "../emulator-types";

/** Placeholder until the ecs emulator lands. */
export async function start(_options: EmulatorOptions): Promise<RunningEmulator> {
  throw new Error("the ecs emulator is not built yet");
}
