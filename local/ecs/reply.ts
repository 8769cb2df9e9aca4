/**
 * How the simulator answers one call: a JSON body with the request id (success or RPC error), a
 * gateway HTML page, an empty 200, or a dropped connection; each counted under the call's action
 * once the call is routed, and logged to stderr when the simulator logs.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type GatewayPage, gatewayPageHtml, type RpcFault } from "./errors";
import { type ActionCounters, HOST_IDS, type Service } from "./routes";

const JSON_TYPE = "application/json;charset=utf-8";

export class Reply {
  readonly requestId = randomUUID().toUpperCase();
  /** The counters of the routed action; unset until the call is routed. */
  counter: ActionCounters | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly action: string | undefined,
    /** The service named in error bodies: by version until the action is known. */
    public service: Service,
    private readonly log: boolean,
  ) {}

  /** From now on the call counts as one `counter` received, answered as `service`. */
  countAs(counter: ActionCounters, service: Service = this.service): void {
    this.counter = counter;
    this.service = service;
    counter.received++;
  }

  send(status: number, payload: Record<string, unknown>, code: string, retryAfterMs?: number): void {
    this.count(code);
    const text = JSON.stringify({ RequestId: this.requestId, ...payload });
    const headers: Record<string, string> = { "content-type": JSON_TYPE, "x-acs-request-id": this.requestId };
    if (retryAfterMs !== undefined) headers["x-acs-retry-after"] = String(retryAfterMs);
    this.res.writeHead(status, headers).end(text);
    this.trace(`${status} ${this.action ?? "-"} ${code}`);
  }

  /** The RPC error body of `service`, with the troubleshooting link the real one carries. */
  fail(f: RpcFault): void {
    if (this.counter && f.code.includes("Throttling")) this.counter.throttled++;
    const body = {
      HostId: HOST_IDS[this.service],
      Code: f.code,
      Message: f.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(f.code)}&product=${this.service}`,
    };
    this.send(f.status, body, f.code, f.retryAfterMs);
  }

  /** The gateway's HTML page: what a front proxy answers instead of ECS. */
  page(p: GatewayPage): void {
    this.count(p.counted);
    this.res.writeHead(p.status, { "content-type": "text/html" }).end(gatewayPageHtml(p));
    this.trace(`${p.status} ${this.action ?? "-"} (gateway page)`);
  }

  /** A 200 with no body at all. */
  empty(): void {
    this.count("EmptyBody");
    this.res.writeHead(200, { "content-type": JSON_TYPE }).end();
  }

  /** Closes the connection without an answer: the work was done, the caller cannot know it. */
  drop(req: IncomingMessage): void {
    if (this.counter) this.counter.dropped++;
    req.socket.destroy();
    if (this.log) process.stderr.write(`ecs drop ${this.action} ${this.requestId}\n`);
  }

  private count(code: string): void {
    if (this.counter) this.counter.answered[code] = (this.counter.answered[code] ?? 0) + 1;
  }

  private trace(line: string): void {
    if (this.log) process.stderr.write(`ecs ${line} ${this.requestId}\n`);
  }
}

/** The answer to a call that failed inside the simulator itself. */
export function internalErrorBody(code: string, message: string): string {
  return JSON.stringify({
    RequestId: randomUUID().toUpperCase(),
    HostId: HOST_IDS.Ecs,
    Code: code,
    Message: message,
  });
}

export { JSON_TYPE };
