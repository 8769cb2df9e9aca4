/**
 * The local FC runtime scales a function out to N instances for N concurrent invocations, never
 * past its bound, and reclaims an instance that stays idle, as FC does with on-demand instances.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFunctionRuntime, type FunctionRuntime } from "../../../local/fc/invoker";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function runtime(options: { maxInstances: number; idleMs?: number }): Promise<FunctionRuntime> {
  const dir = await mkdtemp(path.join(tmpdir(), "invoker-scale-"));
  await writeFile(path.join(dir, "package.json"), '{"type":"commonjs"}');
  // Module state counts the invocations one instance served; each call waits a moment, so
  // concurrent calls need instances of their own.
  await writeFile(
    path.join(dir, "index.js"),
    "let calls = 0; exports.handler = async () => { calls++; await new Promise((r) => setTimeout(r, 150)); return { calls }; };",
  );
  const created = createFunctionRuntime({
    name: "scale",
    bundle: path.join(dir, "index.js"),
    env: {},
    memoryMb: 128,
    timeoutSeconds: 10,
    region: "cn-hangzhou",
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    credentials: { accessKeyId: "a", accessKeySecret: "b", securityToken: "" },
    handler: "index.handler",
    role: `acs:ram::${LOCAL_SERVICE_ACCOUNT_ID}:role/test`,
    maxInstances: options.maxInstances,
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
  });
  cleanup.push(async () => {
    await created.close();
    await rm(dir, { recursive: true, force: true });
  });
  return created;
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("local FC runtime scale-out", () => {
  it("runs 6 concurrent invocations on 6 instances, and 8 on no more than a bound of 6", async () => {
    const fn = await runtime({ maxInstances: 6 });
    const first = await Promise.all(Array.from({ length: 6 }, () => fn.invoke(Buffer.from("x"))));
    expect(first.map((r) => r.ok && (r.value as { calls: number }).calls)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(fn.instances()).toBe(6);
    const second = await Promise.all(Array.from({ length: 8 }, () => fn.invoke(Buffer.from("x"))));
    expect(second.every((r) => r.ok)).toBe(true);
    expect(fn.instances()).toBe(6);
  });

  it("reclaims an instance idle for idleMs; the next invocation starts a new one", async () => {
    const fn = await runtime({ maxInstances: 2, idleMs: 300 });
    expect(await fn.invoke(Buffer.from("x"))).toMatchObject({ ok: true, value: { calls: 1 } });
    // Used again before the idle time ran out: the same instance.
    expect(await fn.invoke(Buffer.from("x"))).toMatchObject({ ok: true, value: { calls: 2 } });
    expect(fn.instances()).toBe(1);
    await until("the idle instance to be reclaimed", () => fn.instances() === 0);
    expect(await fn.invoke(Buffer.from("x"))).toMatchObject({ ok: true, value: { calls: 1 } });
  });
});
