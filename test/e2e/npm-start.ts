/**
 * `npm start` as a user runs it, in a process group of its own (as a terminal would give it), on a
 * free port with its own data folder and a dist/ built once per test file. For the tests of what
 * happens to the whole process tree: signals, `kill -9`, restarts.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RunningStack } from "../../local/stack";
import { buildFunctions } from "../../scripts/build";
import { Caller } from "./harness";

const repo = path.join(import.meta.dirname, "../..");

export async function buildDistOnce(): Promise<string> {
  const dist = await mkdtemp(path.join(tmpdir(), "npm-start-dist-"));
  await buildFunctions(dist);
  return dist;
}

export interface NpmStart {
  /** npm's pid, which is also the process group id. */
  pid: number;
  child: ChildProcess;
  api: string;
  token: string;
  output(): string;
  /** The processes of the group still alive (zombies are gone, whoever reaps them). */
  alive(): { pid: number; command: string }[];
  /** Resolves true once no process of the group is alive (and its output is read), false after `ms`. */
  goneWithin(ms: number): Promise<boolean>;
  /** The API as the dev user of the banner's token. */
  caller(): Caller;
}

function groupMembers(pgid: number): { pid: number; command: string }[] {
  const text = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  const members: { pid: number; command: string }[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || Number(match[2]) !== pgid || match[3]!.startsWith("Z")) continue;
    members.push({ pid: Number(match[1]), command: match[4]! });
  }
  return members;
}

export async function npmStart(options: {
  dataDir: string;
  distDir: string;
  env?: Record<string, string>;
  args?: string[];
  readyWithinMs?: number;
}): Promise<NpmStart> {
  const child = spawn("npm", ["start", "--", ...(options.args ?? [])], {
    cwd: repo,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: options.dataDir,
      DIST_DIR: options.distDir,
      NO_BUILD: "1",
      ...options.env,
    },
  });
  const pid = child.pid!;
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Every process of the group writes to these pipes: they end once the last one is gone.
  const outputEnded = Promise.all(
    [child.stdout!, child.stderr!].map((stream) => new Promise((resolve) => stream.once("close", resolve))),
  );
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  while (!/Ctrl-C stops/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch (err) {
        // ESRCH: the group is already gone; anything else is a failure of its own.
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
      throw new Error(`npm start did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const api = /API\s+(http:\/\/\S+)\/v1\/pipelines/.exec(output)![1]!;
  const token = /export TOKEN=(\S+)/.exec(output)![1]!;
  const alive = () => groupMembers(pid);
  return {
    pid,
    child,
    api,
    token,
    output: () => output,
    alive,
    goneWithin: async (ms) => {
      const until = Date.now() + ms;
      while (alive().length > 0) {
        if (Date.now() > until) return false;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The last lines may still be in the pipe; the group is gone, so it ends promptly.
      await outputEnded;
      return true;
    },
    caller: () =>
      new Caller({ url: api, control: { issueToken: async () => token } } as unknown as RunningStack, "dev"),
  };
}

/** SIGKILL to every process of the group: `kill -9` of the whole `npm start`. */
export function killGroup(started: NpmStart, signal: NodeJS.Signals = "SIGKILL"): void {
  process.kill(-started.pid, signal);
}
