/**
 * Remakes the V8 code cache of the submit, status and worker bundles after one real invocation
 * each, against the local stack (`npm run build` runs it after bundling).
 *
 * Why: V8 compiles a function when it first runs. The cache the bundler makes after the bundle's top
 * level holds only what ran at load, so a cold start's first request still compiles the JWT
 * verification, the validation and the SDKs' request paths from source. A cache made after an
 * answered request holds those too (bench/RESULTS.md: about 5% off the cold start of submit and
 * the worker, 2% off status).
 *
 * The invocations are the sample events of `events/` with what only a running stack knows put in:
 * a token it accepts, the id submit created (status reads it, the worker processes it). A child
 * whose invocation does not answer successfully exits non-zero, and the loader then keeps the
 * cache it had: a warm-up that goes wrong costs speed, never a broken bundle.
 */
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type FunctionDefinition, invocationContext } from "../local/fc/invoker";
import { type FunctionKey, startStack } from "../local/stack";
import { encodeQueueBody } from "../shared/adapters/mns/queue-body";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The FC runtime's part: load the bundle, invoke it once, exit 0 only after a successful answer. */
const WARM_UP_CHILD = `
const { handler } = require(process.env.WARM_BUNDLE);
const event = Buffer.from(process.env.WARM_EVENT, "base64");
Promise.resolve(handler(event, JSON.parse(process.env.WARM_CONTEXT))).then(
  (answer) => {
    process.stdout.write(JSON.stringify(answer === undefined ? null : answer));
    const status = answer && typeof answer.statusCode === "number" ? answer.statusCode : 200;
    process.exit(status < 300 ? 0 : 1);
  },
  (err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); },
);`;

export interface WarmCacheReport {
  name: FunctionKey;
  /** The cache after the invocation; the previous one if it did not answer successfully. */
  cacheBytes: number;
  /** Why the invocation did not count, when it did not. */
  problem?: string;
}

interface WarmUpAnswer {
  statusCode?: number;
  headers?: Record<string, string>;
  body?: string;
}

async function sampleEvent(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(root, "events", name), "utf8")) as Record<string, unknown>;
}

function withToken(event: Record<string, unknown>, token: string): Record<string, unknown> {
  const headers = { ...(event.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  return { ...event, headers };
}

function invokeInChild(
  definition: Readonly<FunctionDefinition>,
  event: unknown,
): Promise<{ answer: WarmUpAnswer | null; problem?: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-e", WARM_UP_CHILD],
      {
        env: {
          ...definition.env,
          PATH: process.env.PATH ?? "",
          FC_PRODUCE_CODE_CACHE: "1",
          WARM_BUNDLE: definition.bundle,
          WARM_EVENT: Buffer.from(JSON.stringify(event)).toString("base64"),
          WARM_CONTEXT: JSON.stringify(invocationContext(definition)),
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        let answer: WarmUpAnswer | null = null;
        try {
          answer = JSON.parse(stdout) as WarmUpAnswer | null;
        } catch {}
        resolve(
          err
            ? {
                answer,
                problem:
                  `${err.message.split("\n")[0]} ${stdout.slice(0, 300)} ${stderr.slice(0, 300)}`.trim(),
              }
            : { answer },
        );
      },
    );
  });
}

/** Warms the caches of `<distDir>/{submit,status,worker}`; the bundles must be built already. */
export async function warmCodeCaches(distDir: string): Promise<WarmCacheReport[]> {
  const stack = await startStack({ port: 0, distDir, functionOutput: "silent", logLevel: "warn" });
  try {
    // The warm-up's own worker invocation must be the one that takes the submitted request.
    await stack.control.pauseTrigger();
    const token = await stack.control.issueToken({
      sub: "build-warm-up",
      scope: "pipelines:read pipelines:write",
    });
    const reports: WarmCacheReport[] = [];
    const warm = async (name: FunctionKey, event: unknown): Promise<WarmUpAnswer | null> => {
      const definition = stack.functions[name];
      const { answer, problem } = await invokeInChild(definition, event);
      const cache = path.join(path.dirname(definition.bundle), "bundle.js.cache");
      const cacheBytes = await stat(cache).then(
        (s) => s.size,
        () => 0,
      );
      reports.push({ name, cacheBytes, ...(problem ? { problem } : {}) });
      return problem ? null : answer;
    };

    const submitted = await warm(
      "submit",
      withToken(await sampleEvent("submit/http-post-pipelines.json"), token),
    );
    const location = submitted?.headers?.Location ?? submitted?.headers?.location ?? "";
    const id = location.split("/").pop() ?? "";
    const status = withToken(await sampleEvent("status/http-get-pipeline.json"), token);
    const statusPath = `/v1/pipelines/${id}`;
    const context = status.requestContext as { http: Record<string, unknown> };
    await warm("status", {
      ...status,
      rawPath: statusPath,
      requestContext: { ...context, http: { ...context.http, path: statusPath } },
    });
    const [message] = (await sampleEvent("worker/eventbridge-mns-rawdata.json")) as unknown as Record<
      string,
      unknown
    >[];
    await warm("worker", [{ ...message, messageBody: encodeQueueBody({ id }) }]);
    return reports;
  } finally {
    await stack.stop();
  }
}
