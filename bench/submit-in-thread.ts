/**
 * The in-thread series of the submit benchmark: in one worker thread with the submit function's
 * own environment, the built bundle's `handler` is called with FC3 HTTP events (as FC calls it),
 * interleaved with the raw round trips that request makes (one conditional PutRow, one
 * BatchSendMessage, through the same adapters). Both pay the same hops to the emulators, and
 * neither pays the local gateway, so the difference is what the service's own code adds.
 */
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import { type RawSubmitTarget, rawSubmitCalls } from "./raw-submit-calls";

export interface SubmitInThreadInput extends RawSubmitTarget {
  bundle: string;
  token: string;
  body: string;
  context: Record<string, unknown>;
}

export interface SubmitInThreadSamples {
  handler: number[];
  raw: number[];
  statuses: number[];
}

type Handler = (event: Buffer, context: unknown) => Promise<{ statusCode: number }>;

const input = workerData as SubmitInThreadInput;
const rawCalls = rawSubmitCalls(input);
const { handler } = createRequire(import.meta.url)(input.bundle) as { handler: Handler };

function httpEvent(i: number): Buffer {
  const now = new Date();
  return Buffer.from(
    JSON.stringify({
      version: "v1",
      rawPath: "/v1/pipelines",
      headers: { authorization: `Bearer ${input.token}`, "content-type": "application/json" },
      queryParameters: {},
      body: Buffer.from(input.body).toString("base64"),
      isBase64Encoded: true,
      requestContext: {
        accountId: input.accountId,
        domainName: "127.0.0.1",
        domainPrefix: "bench",
        http: {
          method: "POST",
          path: "/v1/pipelines",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "bench",
        },
        requestId: `bench-${i}`,
        time: now.toISOString(),
        timeEpoch: String(now.getTime()),
      },
    }),
  );
}

const elapsed = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e6;

parentPort?.on("message", async (count: number) => {
  const out: SubmitInThreadSamples = { handler: [], raw: [], statuses: [] };
  for (let i = 0; i < count; i++) {
    const event = httpEvent(i);
    let started = process.hrtime.bigint();
    const answer = await handler(event, { ...input.context, requestId: `bench-${i}` });
    out.handler.push(elapsed(started));
    out.statuses.push(answer.statusCode);
    started = process.hrtime.bigint();
    await rawCalls();
    out.raw.push(elapsed(started));
  }
  parentPort?.postMessage(out);
});
