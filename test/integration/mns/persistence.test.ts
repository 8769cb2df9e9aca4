import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { queueEndpoint, subscribe } from "../../../shared/adapters/mns/index";
import { type EmulatorProcess, runEmulator } from "../../support/emulator-process";
import { receiveUntilEmpty } from "../../support/mns-drain";
import { clientFor, failure, startMns } from "./harness";

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mns-data-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("--data", () => {
  it("keeps queues, visible, in-flight and delayed messages, topics and subscriptions across a restart", async () => {
    const dir = dataDir();
    const first = await startMns({ dataDir: dir });
    const before = clientFor(first);
    await before.createQueue("kept", { VisibilityTimeout: 1 });
    await before.sendMessage("kept", { MessageBody: "taken" });
    const taken = (await before.receiveMessage("kept")).body;
    await before.sendMessage("kept", { MessageBody: "waiting", Priority: 1 });
    await before.sendMessage("kept", { MessageBody: "delayed", DelaySeconds: 600 });
    await before.createTopic("events");
    await subscribe(before, "events", "into-kept", {
      endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, "kept"),
      notifyContentFormat: "SIMPLIFIED",
    });
    await first.close();

    const second = await startMns({ dataDir: dir });
    try {
      const after = clientFor(second);
      // "taken" may already be visible again if the restart outlasted its 1 s visibility timeout.
      const [counts] = second.control.queues();
      expect(counts).toMatchObject({ name: "kept", delayed: 1 });
      expect(counts!.visible + counts!.inFlight).toBe(2);
      const waiting = (await after.receiveMessage("kept")).body;
      expect(waiting.MessageBody).toBe("waiting");
      await after.deleteMessage("kept", waiting.ReceiptHandle);
      // The message in flight before the restart comes back when its visibility timeout ends.
      const redelivered = (await after.receiveMessage("kept", 5)).body;
      expect(redelivered).toMatchObject({ MessageId: taken.MessageId, DequeueCount: "2" });
      await after.deleteMessage("kept", redelivered.ReceiptHandle);
      await after.publishMessage("events", { MessageBody: "published" });
      expect((await after.receiveMessage("kept")).body.MessageBody).toBe("published");
    } finally {
      await second.close();
    }
  });

  it("starts empty without --data", async () => {
    const emulator = await startMns();
    try {
      expect(await failure(clientFor(emulator).getQueueAttributes("kept"))).toMatchObject({
        code: "QueueNotExist",
      });
    } finally {
      await emulator.close();
    }
  });
});

/** `npm run emulator -- mns ...` as a child process; resolves with its URL once it prints the ready line. */
async function runCli(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "local/emulator.ts", "mns", ...args], {
    cwd: join(import.meta.dirname, "../../.."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before listening`)));
    lines.on("line", (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return { url, child };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("npm run emulator -- mns", () => {
  it("serves on the printed port, takes fault flags, and keeps messages in --data across SIGTERM", async () => {
    const dir = dataDir();
    const first = await runCli(["--port", "0", "--data", dir, "--send-error-rate", "1"]);
    const mns = clientFor(first);
    await mns.createQueue("cli");
    expect(await failure(mns.sendMessage("cli", { MessageBody: "refused" }))).toMatchObject({
      code: "InternalError",
      httpStatus: 500,
    });
    expect(await stop(first.child)).toBe(0);

    const second = await runCli(["--port", "0", "--data", dir]);
    try {
      const again = clientFor(second);
      await again.sendMessage("cli", { MessageBody: "accepted" });
      expect(await stop(second.child)).toBe(0);
    } catch (err) {
      second.child.kill("SIGTERM");
      throw err;
    }

    const third = await runCli(["--port", "0", "--data", dir]);
    try {
      expect((await clientFor(third).receiveMessage("cli")).body.MessageBody).toBe("accepted");
    } finally {
      await stop(third.child);
    }
  });
});

describe("--data after kill -9", () => {
  it("keeps every answered send, receive and delete, and the queues, topics and subscriptions", async () => {
    const dir = dataDir();
    const first = await runEmulator("mns", dir);
    let second: EmulatorProcess | undefined;
    try {
      const before = clientFor(first);
      await before.createQueue("kept", { VisibilityTimeout: 600 });
      await before.createTopic("events");
      await subscribe(before, "events", "into-kept", {
        endpoint: queueEndpoint("cn-hangzhou", LOCAL_SERVICE_ACCOUNT_ID, "kept"),
        notifyContentFormat: "SIMPLIFIED",
      });
      const bodies = Array.from({ length: 40 }, (_, i) => `m${i}`);
      await Promise.all(bodies.map((body) => before.sendMessage("kept", { MessageBody: body })));
      await before.publishMessage("events", { MessageBody: "published" });
      const taken = (await before.receiveMessage("kept")).body;
      const deleted = (await before.receiveMessage("kept")).body;
      await before.deleteMessage("kept", deleted.ReceiptHandle);
      // Killed right after the last answer: nothing had time to be written later.
      await first.kill9();

      second = await runEmulator("mns", dir);
      const after = clientFor(second);
      const remaining = (await receiveUntilEmpty(after, "kept")).map((m) => m.MessageBody);
      // 41 sent, one deleted, one still invisible after its receive (600 s): 39 visible.
      const expected = [...bodies, "published"].filter(
        (b) => b !== deleted.MessageBody && b !== taken.MessageBody,
      );
      expect(remaining.sort()).toEqual(expected.sort());
      await after.publishMessage("events", { MessageBody: "after the kill" });
      expect((await after.receiveMessage("kept")).body.MessageBody).toBe("after the kill");
    } finally {
      await first.kill9();
      await second?.kill9();
    }
  });
  it("keeps every send answered before the kill while others are in flight", async () => {
    const dir = dataDir();
    const first = await runEmulator("mns", dir);
    let second: EmulatorProcess | undefined;
    try {
      const before = clientFor(first);
      await before.createQueue("burst");
      const answered: string[] = [];
      const sends = Array.from({ length: 1000 }, (_, i) =>
        before.sendMessage("burst", { MessageBody: `b${i}` }).then(
          () => answered.push(`b${i}`),
          () => undefined,
        ),
      );
      while (answered.length < 20) await new Promise((resolve) => setTimeout(resolve, 1));
      await first.kill9();
      await Promise.all(sends);

      second = await runEmulator("mns", dir);
      const after = clientFor(second);
      const kept = new Set((await receiveUntilEmpty(after, "burst")).map((m) => m.MessageBody));
      expect(answered.filter((body) => !kept.has(body))).toEqual([]);
    } finally {
      await first.kill9();
      await second?.kill9();
    }
  });
});
