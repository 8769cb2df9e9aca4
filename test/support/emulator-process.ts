/**
 * `npm run emulator -- <name> --port 0 --data DIR` as a child process (what `npm start` users and
 * the crash tests need: a process that can be killed with SIGKILL), ready once it prints its
 * `listening on` line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface EmulatorProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL: no handler runs, nothing is flushed; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop); resolves with the exit code. */
  stop(): Promise<number | null>;
}

const repo = join(import.meta.dirname, "../..");

export async function runEmulator(
  name: "ecs" | "tablestore" | "mns",
  dataDir: string,
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "local/emulator.ts", name, "--port", "0", "--data", dataDir],
    { cwd: repo, stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then((code) =>
      reject(new Error(`the ${name} emulator exited with ${code} before listening`)),
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
