/**
 * The local FC runtime's function invoker: runs a built bundle (`dist/<fn>/index.js`, what `s deploy`
 * uploads) as FC would, one instance per concurrent invocation, each instance a worker thread with
 * the function's own environment. Threads (not `require` in this process) keep every instance's
 * `process.env`, module cache and globals apart, so several stacks can run in one test process and a
 * timed-out or crashed instance can be thrown away like a killed FC instance.
 */
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";

export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/**
 * How the local runtime runs one function: what s.yaml says about it (local/fc/function-spec.ts),
 * with the local bundle path and the local endpoint overrides (local/fc/local-differences.ts).
 */
export interface FunctionDefinition {
  /** The deployed function name, e.g. `image-pipeline-worker`. */
  name: string;
  /** Absolute path of the file `handler` names, e.g. `<dist>/worker/index.js`. */
  bundle: string;
  /** s.yaml's `handler`, `<file>.<export>`: `index.handler` calls the bundle's `handler` export. */
  handler: string;
  /** s.yaml's `role`, resolved: `acs:ram::<account>:role/<name>`, the role FC runs the function as. */
  role: string;
  /** s.yaml's environmentVariables, resolved, plus only the documented endpoint overrides. */
  env: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
  region: string;
  accountId: string;
  /**
   * The role's keys, or a provider read again at every invocation: FC hands each invocation the
   * role's current temporary keys, which rotate (local/ram/function-credentials.ts).
   */
  credentials: FcCredentials | (() => FcCredentials);
  /** Most instances at once; further invocations wait for a free one. */
  maxInstances?: number;
  /**
   * An instance idle this long is reclaimed (its thread ends), as FC reclaims on-demand instances
   * after "usually 3 to 5 minutes" without requests; default {@link DEFAULT_INSTANCE_IDLE_MS}.
   */
  idleMs?: number;
  /** Where the instances' stdout/stderr go: forwarded to this process, or dropped. */
  output?: "inherit" | "silent";
  /**
   * Called before each new instance starts: extra environment for it and a disposer run when the
   * instance is gone. `kill` ends the instance's current invocation as a crash (the stack uses it
   * for `worker.crashAfterCallRate`).
   */
  prepareInstance?: (kill: () => void) => Promise<PreparedInstance>;
}

export interface PreparedInstance {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** The FC-shaped context the handler receives (docs/cloud-facts.md, "FC3 invocation context"); nothing local is added. */
export interface InvocationContext {
  requestId: string;
  credentials: FcCredentials;
  function: { name: string; handler: string; memory: number; timeout: number };
  region: string;
  accountId: string;
}

/** The context FC hands `definition`'s handler for one invocation. */
export function invocationContext(
  definition: Readonly<FunctionDefinition>,
  requestId: string = newInvocationId(),
): InvocationContext {
  return {
    requestId,
    credentials: {
      ...(typeof definition.credentials === "function" ? definition.credentials() : definition.credentials),
    },
    function: {
      name: definition.name,
      handler: definition.handler,
      memory: definition.memoryMb,
      timeout: definition.timeoutSeconds,
    },
    region: definition.region,
    accountId: definition.accountId,
  };
}

export type InvocationFailureKind = "error" | "timeout" | "crash";

export type InvocationResult =
  | { ok: true; value: unknown; requestId: string }
  | { ok: false; kind: InvocationFailureKind; message: string; requestId: string };

export interface FunctionRuntime {
  readonly name: string;
  /** `requestId` lets a trigger put the same id into its event and the context. */
  invoke(event: Buffer, options?: { requestId?: string }): Promise<InvocationResult>;
  /** Instances alive now (busy or idle). */
  instances(): number;
  /** Ends every instance; running invocations end as crashes. */
  close(): Promise<void>;
}

/**
 * The code each instance runs. CommonJS because FC's nodejs20 runtime loads the bundle with
 * `require`; a failure to load the bundle is reported instead of killing the thread silently.
 */
const INSTANCE_HOST = `
const { parentPort, workerData } = require("node:worker_threads");
let handler;
try {
  handler = require(workerData.bundle)[workerData.exportName];
  if (typeof handler !== "function") throw new TypeError(workerData.bundle + " exports no " + workerData.exportName + " function");
  parentPort.postMessage({ type: "ready" });
} catch (err) {
  parentPort.postMessage({ type: "loadError", message: String(err && err.stack || err) });
}
parentPort.on("message", async (msg) => {
  try {
    const value = await handler(Buffer.from(msg.event), msg.context);
    parentPort.postMessage({ type: "result", ok: true, value: Buffer.isBuffer(value) ? new Uint8Array(value) : value });
  } catch (err) {
    parentPort.postMessage({ type: "result", ok: false, message: String(err && err.stack || err) });
  }
});
`;

interface HostMessage {
  type: "ready" | "loadError" | "result";
  ok?: boolean;
  value?: unknown;
  message?: string;
}

/** The low end of FC's documented idle time before an on-demand instance is reclaimed (3-5 min). */
export const DEFAULT_INSTANCE_IDLE_MS = 180_000;

interface Instance {
  thread: Worker;
  busy: boolean;
  dead: boolean;
  /** Reclaims the instance when it stays idle; cleared when it is used again. */
  idleTimer?: NodeJS.Timeout;
  prepared?: PreparedInstance | undefined;
  /** Settles the invocation in progress, if any. */
  settle?: ((result: InvocationResult) => void) | undefined;
}

export function createFunctionRuntime(definition: FunctionDefinition): FunctionRuntime {
  const maxInstances = definition.maxInstances ?? 10;
  const live = new Set<Instance>();
  const waiting: { resolve: (instance: Instance) => void; reject: (err: unknown) => void }[] = [];
  let closed = false;
  /** Instances being started: they count against maxInstances before they are live. */
  let starting = 0;

  async function spawn(): Promise<Instance> {
    starting++;
    try {
      return await startInstance();
    } finally {
      starting--;
    }
  }

  async function startInstance(): Promise<Instance> {
    const instance: Instance = { busy: true, dead: false } as Instance;
    const kill = (): void => {
      end(instance, "crash", "the instance was killed");
    };
    instance.prepared = await definition.prepareInstance?.(kill);
    instance.thread = launchThread(definition, instance.prepared);
    live.add(instance);
    instance.thread.on("error", (err) => end(instance, "crash", String(err)));
    instance.thread.on("exit", () => end(instance, "crash", "the instance exited"));
    await untilLoaded(definition, instance.thread, (message) => end(instance, "crash", message));
    return instance;
  }

  /** Throws an instance away, as FC does with one that timed out or crashed. */
  function end(instance: Instance, kind: InvocationFailureKind, message: string): void {
    if (instance.dead) return;
    live.delete(instance);
    discard(instance, { ok: false, kind, message, requestId: "" });
    // A waiter may now get a fresh instance in its place.
    const next = waiting.shift();
    if (next) {
      if (closed) next.reject(new Error("the runtime is closed"));
      else spawn().then(next.resolve, next.reject);
    }
  }

  /** Ends an instance that stayed idle: not a failure, nothing is waiting on it. */
  function reclaim(instance: Instance): void {
    if (instance.busy || instance.dead) return;
    live.delete(instance);
    discard(instance, { ok: false, kind: "crash", message: "the instance was reclaimed", requestId: "" });
  }

  function idle(instance: Instance): void {
    instance.busy = false;
    instance.idleTimer = setTimeout(() => reclaim(instance), definition.idleMs ?? DEFAULT_INSTANCE_IDLE_MS);
    instance.idleTimer.unref();
  }

  async function acquire(): Promise<Instance> {
    for (const instance of live) {
      if (!instance.busy && !instance.dead) {
        clearTimeout(instance.idleTimer);
        instance.busy = true;
        return instance;
      }
    }
    if (live.size + starting < maxInstances) return spawn();
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  function release(instance: Instance): void {
    if (instance.dead) return;
    const next = waiting.shift();
    if (next) next.resolve(instance);
    else idle(instance);
  }

  async function invoke(event: Buffer, options?: { requestId?: string }): Promise<InvocationResult> {
    const requestId = options?.requestId ?? newInvocationId();
    if (closed) return { ok: false, kind: "crash", message: "the runtime is closed", requestId };
    let instance: Instance;
    try {
      instance = await acquire();
    } catch (err) {
      return { ok: false, kind: "crash", message: String(err), requestId };
    }
    const context = invocationContext(definition, requestId);
    const result = await runOn(instance, event, context, definition.timeoutSeconds, () =>
      end(instance, "timeout", `Function timed out after ${definition.timeoutSeconds} seconds`),
    );
    release(instance);
    return result;
  }

  return {
    name: definition.name,
    invoke,
    instances: () => live.size,
    close: async () => {
      closed = true;
      const all = [...live];
      for (const instance of all) end(instance, "crash", "the runtime is closing");
      for (const waiter of waiting.splice(0)) waiter.reject(new Error("the runtime is closed"));
      await Promise.all(all.map((i) => i.thread.terminate().catch(() => 0)));
    },
  };
}

/**
 * Ends an instance's thread and disposes of what was prepared for it; an invocation still running
 * on it (none when it is idle) ends with `failure`.
 */
function discard(instance: Instance, failure: InvocationResult): void {
  instance.dead = true;
  clearTimeout(instance.idleTimer);
  const settle = instance.settle;
  instance.settle = undefined;
  settle?.(failure);
  void instance.thread?.terminate();
  void instance.prepared?.dispose();
}

/** A thread running the bundle's handler export, with the function's environment and the instance's extra. */
function launchThread(definition: FunctionDefinition, prepared: PreparedInstance | undefined): Worker {
  const silent = definition.output !== "inherit";
  const thread = new Worker(INSTANCE_HOST, {
    eval: true,
    workerData: { bundle: definition.bundle, exportName: handlerExport(definition.handler) },
    env: { ...definition.env, ...prepared?.env },
    stdout: silent,
    stderr: silent,
  });
  if (silent) {
    thread.stdout.resume();
    thread.stderr.resume();
  }
  return thread;
}

/** Resolves once the thread has loaded the bundle; `crash` ends the instance when it cannot. */
function untilLoaded(
  definition: FunctionDefinition,
  thread: Worker,
  crash: (message: string) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    thread.once("message", (msg: HostMessage) => {
      if (msg.type === "ready") resolve();
      else {
        crash(msg.message ?? "load error");
        reject(new Error(`${definition.name}: cannot load ${definition.bundle}: ${msg.message}`));
      }
    });
    thread.once("exit", () => reject(new Error(`${definition.name}: instance exited on start`)));
  });
}

/**
 * One invocation on an acquired instance: its result, or the failure the instance ends with
 * (`instance.settle`); `timeOut` ends the instance when the function's timeout passes first.
 */
function runOn(
  instance: Instance,
  event: Buffer,
  context: InvocationContext,
  timeoutSeconds: number,
  timeOut: () => void,
): Promise<InvocationResult> {
  const { requestId } = context;
  return new Promise<InvocationResult>((resolve) => {
    const timer = setTimeout(timeOut, timeoutSeconds * 1000);
    const onMessage = (msg: HostMessage): void => {
      if (msg.type !== "result") return;
      finish(
        msg.ok
          ? { ok: true, value: toValue(msg.value), requestId }
          : { ok: false, kind: "error", message: msg.message ?? "", requestId },
      );
    };
    const finish = (r: InvocationResult): void => {
      clearTimeout(timer);
      instance.thread.off("message", onMessage);
      instance.settle = undefined;
      resolve({ ...r, requestId });
    };
    instance.settle = finish;
    instance.thread.on("message", onMessage);
    instance.thread.postMessage({ event: new Uint8Array(event), context });
  });
}

/** `index.handler` -> `handler`: FC's `<file>.<export>` form. */
export function handlerExport(handler: string): string {
  return handler.slice(handler.lastIndexOf(".") + 1);
}

/** `index.handler` -> `index.js`: the file FC loads from the code directory. */
export function handlerFile(handler: string): string {
  return `${handler.slice(0, handler.lastIndexOf("."))}.js`;
}

/** FC's request id shape: `1-<8 hex>-<8 hex>-<12 hex>`. */
export function newInvocationId(): string {
  const hex = randomUUID().replaceAll("-", "");
  return `1-${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 28)}`;
}

/** Structured clone turns a returned Buffer into a Uint8Array; FC passes Buffers through as they are. */
function toValue(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value) : value;
}
