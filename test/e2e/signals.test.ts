/**
 * How `npm start` stops: SIGTERM to npm or to the stack's node process, SIGINT to the group
 * (Ctrl-C), SIGHUP to the group (the terminal closed). Each must leave no process of the group
 * running within 10 s, after a clean stop (the emulators' journals compacted into their snapshots).
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildDistOnce, killGroup, type NpmStart, npmStart } from "./npm-start";

let dist: string;
const started: NpmStart[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  dist = await buildDistOnce();
}, 120_000);
afterEach(() => {
  for (const s of started.splice(0)) if (s.alive().length > 0) killGroup(s);
});
afterAll(async () => {
  for (const dir of [dist, ...dirs]) await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<{ stack: NpmStart; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "npm-start-signals-"));
  dirs.push(dataDir);
  const stack = await npmStart({ dataDir, distDir: dist });
  started.push(stack);
  return { stack, dataDir };
}

/** A clean stop compacts every journal into its snapshot and leaves the journal empty. */
async function expectCleanStop(dataDir: string): Promise<void> {
  for (const name of ["ecs", "tablestore", "mns"]) {
    expect((await stat(path.join(dataDir, name, `${name}.journal`))).size).toBe(0);
    expect(JSON.parse(await readFile(path.join(dataDir, name, `${name}.json`), "utf8"))).toHaveProperty(
      "journalSeq",
    );
  }
}

const cases: { name: string; send: (s: NpmStart) => void }[] = [
  { name: "SIGTERM to the npm process", send: (s) => process.kill(s.pid, "SIGTERM") },
  {
    name: "SIGTERM to the stack's node process",
    send: (s) => {
      const node = s
        .alive()
        .find((p) => p.command.startsWith("node ") && p.command.includes("scripts/start.ts"));
      if (!node) throw new Error(`no node process in ${JSON.stringify(s.alive())}`);
      process.kill(node.pid, "SIGTERM");
    },
  },
  { name: "SIGINT to the group (Ctrl-C)", send: (s) => killGroup(s, "SIGINT") },
  { name: "SIGHUP to the group (the terminal closed)", send: (s) => killGroup(s, "SIGHUP") },
];

describe("npm start stops cleanly", () => {
  for (const { name, send } of cases) {
    it(`on ${name}, with nothing left running within 10 s`, async () => {
      const { stack, dataDir } = await start();
      // Something to stop: a record accepted and worked on.
      const submitted = await stack.caller().submit({
        RegionId: "cn-hangzhou",
        BaseImageType: "IMAGE",
        BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
        Name: "signals",
        BuildContent: "RUN true",
      });
      expect(submitted.status).toBe(202);
      send(stack);
      const gone = await stack.goneWithin(10_000);
      expect(gone, `still running: ${JSON.stringify(stack.alive())}\n${stack.output()}`).toBe(true);
      expect(stack.output()).toMatch(/stopping \.\.\./);
      await expectCleanStop(dataDir);
    }, 90_000);
  }
});
