/**
 * The ECS + STS simulator: one HTTP port that answers the RPC calls `@alicloud/ecs20140526` and
 * `@alicloud/sts20150401` make, so the unmodified SDKs cannot tell it from the real endpoints
 * (docs/local.md, "The ECS simulator"; protocol facts in docs/cloud-facts.md, "ECS and STS").
 *
 * The operations are a route table (./routes.ts) of actions (./actions.ts); one call goes through
 * ./handle-call.ts; ./control.ts is what tests and the stack steer it by.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningEmulator } from "../emulator-types";
import { createEcsControl, type EcsControl } from "./control";
import { FAULTS, GATEWAY_PAGES, gatewayPageHtml } from "./errors";
import { handleCall } from "./handle-call";
import { internalErrorBody, JSON_TYPE } from "./reply";
import { createEcsState, type EcsEmulatorOptions, type EcsState } from "./state";

export type { EcsControl, EcsPipelineView } from "./control";
export type { EcsFaults, EcsFaultsUpdate, ForcedFaultKind } from "./faults";
export { FaultSettingsError } from "./faults";
export { MAX_REQUEST_LINE_BYTES } from "./handle-call";
export {
  type ActionCounters,
  type CounterName,
  ECS_API_VERSION,
  type EcsCalls,
  STS_API_VERSION,
} from "./routes";
export type { EcsEmulatorOptions } from "./state";

export type RunningEcsEmulator = RunningEmulator & { control: EcsControl };

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Node's own header limit (16 KiB by default) would cut a long request line off with an empty 431
 * before our handler could answer as the gateway does, so it is raised well past the 414 limit.
 */
const SERVER_MAX_HEADER_BYTES = 1024 * 1024;

export async function start(options: EcsEmulatorOptions): Promise<RunningEcsEmulator> {
  const state = await createEcsState(options);
  const server = createRpcServer(state);
  const host = options.host ?? "127.0.0.1";
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    control: createEcsControl(state),
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await state.persistence?.close();
    },
  };
}

/** The HTTP server: a body up to MAX_BODY_BYTES (a longer one is cut off), then one call. */
function createRpcServer(state: EcsState): Server {
  const server = createServer({ maxHeaderSize: SERVER_MAX_HEADER_BYTES }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      handleCall(state, req, res, Buffer.concat(chunks)).catch((err: unknown) =>
        answerInternalError(state, res, err),
      );
    });
  });
  server.on("clientError", answerClientError);
  return server;
}

function answerInternalError(state: EcsState, res: ServerResponse, err: unknown): void {
  if (state.log) process.stderr.write(`ecs internal error: ${String(err)}\n`);
  if (res.headersSent) return;
  res
    .writeHead(500, { "content-type": JSON_TYPE })
    .end(internalErrorBody(FAULTS.internalError.code, FAULTS.internalError.message));
}

/**
 * Past even the raised limit Node's parser gives up before any handler runs; the gateway would
 * have refused such a request line with 414 long before, so say that rather than Node's 431.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: IncomingMessage["socket"]): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const p = err.code === "HPE_HEADER_OVERFLOW" ? GATEWAY_PAGES.uriTooLarge : undefined;
  const html = p ? gatewayPageHtml(p) : "";
  const status = p ? `${p.status} ${p.reason}` : "400 Bad Request";
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(html)}\r\nConnection: close\r\n\r\n${html}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
