/**
 * The HTTP client of the batch-submit benchmark, in a worker thread of its own (as
 * ./http-client-thread is for single requests): the stack serves its gateway and the emulators on
 * the main thread, and a client there would take turns with them. node:http, one keep-alive
 * connection. Each message names a request; the answer is its time, status and body.
 */
import { Agent, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

export interface BatchClientThreadInput {
  url: string;
  token: string;
}

export interface BatchClientRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

export interface BatchClientAnswer {
  ms: number;
  status: number;
  body: string;
}

const input = workerData as BatchClientThreadInput;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(req: BatchClientRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body, "utf8");
    const outgoing = request(
      `${input.url}${req.path}`,
      {
        method: req.method,
        agent,
        headers: {
          authorization: `Bearer ${input.token}`,
          ...(body ? { "content-type": "application/json", "content-length": body.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

parentPort?.on("message", async (req: BatchClientRequest) => {
  const started = process.hrtime.bigint();
  const answer = await send(req);
  parentPort?.postMessage({
    ...answer,
    ms: Number(process.hrtime.bigint() - started) / 1e6,
  } satisfies BatchClientAnswer);
});
