/**
 * The HTTP client of the submit benchmark's through-the-stack series, in a worker thread of its own.
 * The local stack serves its gateway and the emulators on the main thread; a client there would take
 * turns with them on that one thread, which neither a real caller of FC nor the raw series (also a
 * thread of its own) does. node:http with one keep-alive connection, as a steady caller would use.
 */
import { Agent, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

export interface HttpClientThreadInput {
  url: string;
  token: string;
  body: string;
}

export type HttpClientRequestKind = "submit" | "unknown-path";

export interface HttpClientSamples {
  ms: number[];
  statuses: number[];
}

const input = workerData as HttpClientThreadInput;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(kind: HttpClientRequestKind): Promise<number> {
  const submit = kind === "submit";
  return new Promise((resolve, reject) => {
    const req = request(
      `${input.url}${submit ? "/v1/pipelines" : "/v1/nothing-here"}`,
      {
        method: submit ? "POST" : "GET",
        agent,
        headers: submit
          ? {
              authorization: `Bearer ${input.token}`,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(input.body),
            }
          : {},
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(submit ? input.body : undefined);
  });
}

parentPort?.on("message", async ({ kind, count }: { kind: HttpClientRequestKind; count: number }) => {
  const out: HttpClientSamples = { ms: [], statuses: [] };
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    out.statuses.push(await send(kind));
    out.ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  parentPort?.postMessage(out);
});
