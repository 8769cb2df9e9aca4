/**
 * `worker.crashAfterCallRate` (docs/local.md, "Fault settings"): the local runtime kills a worker invocation
 * right after the ECS call returned and before the record is updated.
 *
 * How: each worker instance gets its own ECS_ENDPOINT, a pass-through proxy in front of the ECS
 * simulator. When a CreateImagePipeline answer comes back from the simulator (so the pipeline
 * exists) the proxy rolls the dice; on a hit it kills that instance and never passes the answer on,
 * so the worker cannot write the outcome. The effect is the one the fault describes: ECS did the
 * work, the record still says `running` with a lease, the message is redelivered. A per-instance port
 * is what ties a call to the instance that made it, without any hook inside the function.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

export interface CrashProxy {
  /** `127.0.0.1:PORT`, the form ECS_ENDPOINT takes. */
  endpoint: string;
  close(): Promise<void>;
}

export interface CrashProxyOptions {
  /** The ECS simulator's `http://127.0.0.1:PORT`. */
  target: string;
  crashRate: () => number;
  random?: () => number;
  /** Kills the instance this proxy belongs to. */
  kill: () => void;
  onCrash?: () => void;
}

function actionOf(url: string, headers: Record<string, string | string[] | undefined>, body: Buffer): string {
  const header = headers["x-acs-action"];
  if (typeof header === "string") return header;
  const query = new URLSearchParams(url.split("?")[1] ?? "").get("Action");
  if (query) return query;
  return new URLSearchParams(body.toString("utf8")).get("Action") ?? "";
}

export async function startCrashProxy(options: CrashProxyOptions): Promise<CrashProxy> {
  const target = new URL(options.target);
  const random = options.random ?? Math.random;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const isCreate = actionOf(req.url ?? "/", req.headers, body) === "CreateImagePipeline";
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () => {
            const rate = options.crashRate();
            if (isCreate && answer.statusCode === 200 && rate > 0 && random() < rate) {
              options.onCrash?.();
              options.kill();
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(parts));
          });
          answer.on("error", () => req.socket.destroy());
        },
      );
      // The simulator dropping the connection (dropAfterCommitRate) reaches the worker as a reset too.
      upstream.on("error", () => req.socket.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface PublishCrashProxyOptions {
  /** The MNS emulator's `http://127.0.0.1:PORT`. */
  target: string;
  /** The events topic whose PublishMessage calls may be cut off. */
  topic: string;
  crashRate: () => number;
  random?: () => number;
  kill: () => void;
  onCrash?: () => void;
}

/**
 * `worker.crashBeforePublishRate` (the outbox's fault): the same idea for MNS. The worker's
 * MNS_ENDPOINT is this proxy; a PublishMessage to the events topic is the first thing the worker
 * does after its terminal write, so killing the instance when one arrives (and never forwarding it)
 * is "killed after the terminal write and before the publish". Everything else passes through.
 */
export async function startPublishCrashProxy(options: PublishCrashProxyOptions): Promise<CrashProxy> {
  const target = new URL(options.target);
  const random = options.random ?? Math.random;
  const publishPath = `/topics/${options.topic}/messages`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const isPublish = req.method === "POST" && (req.url ?? "").split("?")[0] === publishPath;
      const rate = options.crashRate();
      if (isPublish && rate > 0 && random() < rate) {
        options.onCrash?.();
        options.kill();
        req.socket.destroy();
        return;
      }
      const upstream = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("error", () => req.socket.destroy());
        },
      );
      upstream.on("error", () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
