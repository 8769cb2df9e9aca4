/**
 * The ECS + STS simulator: one HTTP port that answers the RPC calls `@alicloud/ecs20140526` and
 * `@alicloud/sts20150401` make, so the unmodified SDKs cannot tell it from the real endpoints
 * (docs/local.md, "The ECS simulator"; protocol facts in docs/cloud-facts.md, "ECS and STS").
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorOptions, RunningEmulator } from "../emulator-types";
import type { LocalRam } from "../ram/model";
import {
  type ActionContext,
  type ActionResult,
  assumeRole,
  createImagePipeline,
  deleteImagePipeline,
  describeImagePipelines,
} from "./actions";
import { FAULTS, GATEWAY_PAGES, type GatewayPage, gatewayPageHtml, type RpcFault } from "./errors";
import {
  type EcsFaults,
  type EcsFaultsUpdate,
  FORCED_FAULT_KINDS,
  type ForcedFaultKind,
  mergeFaults,
  NO_FAULTS,
  PerAccountRateLimiter,
  parseEcsFlags,
  seededRandom,
} from "./faults";
import { IdentityDirectory } from "./identity";
import { openEcsPersistence } from "./persistence";
import { dispatchOf, parseRpcRequest, readSignature } from "./protocol";
import { PipelineStore, type StoredPipeline } from "./store";

export type { EcsFaults, EcsFaultsUpdate, ForcedFaultKind } from "./faults";
export { FaultSettingsError } from "./faults";

export const ECS_API_VERSION = "2014-05-26";
export const STS_API_VERSION = "2015-04-01";

type Service = "Ecs" | "Sts";

interface ActionSpec {
  service: Service;
  counter: CounterName;
  run: (ctx: ActionContext) => Promise<ActionResult>;
  /** Whether the ECS fault settings apply (STS is left alone so credentials can always be had). */
  faultable: boolean;
}

export type CounterName =
  | "createImagePipeline"
  | "describeImagePipelines"
  | "deleteImagePipeline"
  | "assumeRole";

const ACTIONS: Record<string, Record<string, ActionSpec>> = {
  [ECS_API_VERSION]: {
    CreateImagePipeline: {
      service: "Ecs",
      counter: "createImagePipeline",
      run: createImagePipeline,
      faultable: true,
    },
    DescribeImagePipelines: {
      service: "Ecs",
      counter: "describeImagePipelines",
      run: describeImagePipelines,
      faultable: true,
    },
    DeleteImagePipeline: {
      service: "Ecs",
      counter: "deleteImagePipeline",
      run: deleteImagePipeline,
      faultable: true,
    },
  },
  [STS_API_VERSION]: {
    AssumeRole: { service: "Sts", counter: "assumeRole", run: assumeRole, faultable: false },
  },
};

export interface ActionCounters {
  received: number;
  /** Answers sent, by error code or "OK". */
  answered: Record<string, number>;
  throttled: number;
  /** Calls whose work was done and whose connection was then dropped. */
  dropped: number;
}

export type EcsCalls = Record<CounterName, ActionCounters>;

export type EcsPipelineView = Pick<
  StoredPipeline,
  "imagePipelineId" | "accountId" | "regionId" | "clientToken" | "name" | "createdAt"
>;

export interface EcsControl {
  getFaults(): EcsFaults;
  /** Validates and applies a partial update; throws `FaultSettingsError` (code `InvalidFaultSettings`). */
  setFaults(partial: EcsFaultsUpdate): EcsFaults;
  /**
   * Forces `kind` onto the next `count` CreateImagePipeline calls (before any rate applies), for tests
   * that must not depend on dice.
   */
  forceNext(kind: ForcedFaultKind, count?: number): void;
  pipelines(): EcsPipelineView[];
  calls(): EcsCalls;
  /** Empties pipelines, tokens, STS sessions, counters and forced faults; fault settings stay. */
  reset(): void;
}

export interface EcsEmulatorOptions extends EmulatorOptions {
  /** Initial fault settings; flags in `args` override them. */
  faults?: EcsFaultsUpdate;
  /** Source of the fault dice (default: seeded by `--seed`, else Math.random). */
  random?: () => number;
  /** Clock in ms for the QPS window, creation times and STS expiry (signature freshness uses the wall clock). */
  now?: () => number;
  /** Write one line per request to stderr. */
  log?: boolean;
  /** The RAM model shared with the other emulators (keys, roles, sessions); default local/ram/local-model.ts. */
  ram?: LocalRam;
}

export type RunningEcsEmulator = RunningEmulator & { control: EcsControl };

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The longest request line (`POST /?<query> HTTP/1.1`) the gateway takes; a longer one is answered
 * 414 before ECS sees it. No figure is published for the ECS endpoint itself: Alibaba Cloud's API
 * Gateway documents "Maximum URL + header size: 8 KB", and the gateway's Tengine (nginx) refuses a
 * request line that does not fit one 8 KB header buffer. We take the URL's share alone at 8 KiB;
 * README.md ("Request size") says why that is the stricter reading that still admits every request
 * the SDKs make with short URLs.
 */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;
/**
 * Node's own header limit (16 KiB by default) would cut a long request line off with an empty 431
 * before our handler could answer as the gateway does, so it is raised well past the 414 limit.
 */
const SERVER_MAX_HEADER_BYTES = 1024 * 1024;
const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;
const HOST_IDS: Record<Service, string> = { Ecs: "ecs.aliyuncs.com", Sts: "sts.aliyuncs.com" };

function emptyCounters(): EcsCalls {
  const make = (): ActionCounters => ({ received: 0, answered: {}, throttled: 0, dropped: 0 });
  return {
    createImagePipeline: make(),
    describeImagePipelines: make(),
    deleteImagePipeline: make(),
    assumeRole: make(),
  };
}

function specOf(action: string | undefined, version: string | undefined): ActionSpec | undefined {
  const versionActions = version === undefined ? undefined : ACTIONS[version];
  return versionActions && action !== undefined && Object.hasOwn(versionActions, action)
    ? versionActions[action]
    : undefined;
}

const requestLineBytes = (req: IncomingMessage): number =>
  Buffer.byteLength(`${req.method ?? ""} ${req.url ?? ""} HTTP/${req.httpVersion}`, "utf8");

export async function start(options: EcsEmulatorOptions): Promise<RunningEcsEmulator> {
  const flags = parseEcsFlags(options.args ?? []);
  let faults = mergeFaults(mergeFaults(NO_FAULTS, options.faults ?? {}), flags.faults);
  const random = options.random ?? (flags.seed === undefined ? Math.random : seededRandom(flags.seed));
  const now = options.now ?? Date.now;
  const log = options.log ?? flags.log;
  const store = new PipelineStore();
  const identities = new IdentityDirectory(options.ram);
  const limiter = new PerAccountRateLimiter();
  const usedNonces = new Map<string, number>();
  let counters = emptyCounters();
  let forced: ForcedFaultKind[] = [];

  const persistence = options.dataDir
    ? await openEcsPersistence(options.dataDir, store, identities)
    : undefined;

  const roll = (rate: number): boolean => rate > 0 && random() < rate;
  const takeForced = (kind: ForcedFaultKind): boolean => {
    const at = forced.indexOf(kind);
    if (at < 0) return false;
    forced.splice(at, 1);
    return true;
  };
  const delay = async (): Promise<void> => {
    const [min, max] = faults.latencyMs;
    const ms = min + (max - min) * random();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };

  /** Remembers a nonce for the signature window; false when it was already used. */
  const firstUse = (accessKeyId: string, nonce: string, at: number): boolean => {
    for (const [key, expiry] of usedNonces) {
      if (expiry > at) break;
      usedNonces.delete(key);
    }
    const key = `${accessKeyId}\n${nonce}`;
    if (usedNonces.has(key)) return false;
    usedNonces.set(key, at + SIGNATURE_WINDOW_MS);
    return true;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const request = parseRpcRequest(req.method ?? "GET", req.url ?? "/", req.headers, body);
    const { action, version } = dispatchOf(request);
    let service: Service = version === STS_API_VERSION ? "Sts" : "Ecs";
    let counter: ActionCounters | undefined;
    const send = (
      status: number,
      payload: Record<string, unknown>,
      code: string,
      retryAfterMs?: number,
    ): void => {
      if (counter) counter.answered[code] = (counter.answered[code] ?? 0) + 1;
      const text = JSON.stringify({ RequestId: requestId, ...payload });
      const headers: Record<string, string> = {
        "content-type": "application/json;charset=utf-8",
        "x-acs-request-id": requestId,
      };
      if (retryAfterMs !== undefined) headers["x-acs-retry-after"] = String(retryAfterMs);
      res.writeHead(status, headers).end(text);
      if (log) process.stderr.write(`ecs ${status} ${action ?? "-"} ${code} ${requestId}\n`);
    };
    const page = (p: GatewayPage): void => {
      if (counter) counter.answered[p.counted] = (counter.answered[p.counted] ?? 0) + 1;
      res.writeHead(p.status, { "content-type": "text/html" }).end(gatewayPageHtml(p));
      if (log) process.stderr.write(`ecs ${p.status} ${action ?? "-"} (gateway page) ${requestId}\n`);
    };
    const fail = (f: RpcFault): void => {
      if (counter && f.code.includes("Throttling")) counter.throttled++;
      send(
        f.status,
        {
          HostId: HOST_IDS[service],
          Code: f.code,
          Message: f.message,
          Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(f.code)}&product=${service}`,
        },
        f.code,
        f.retryAfterMs,
      );
    };

    // The gateway refuses an overlong request line before it looks at anything else.
    if (requestLineBytes(req) > MAX_REQUEST_LINE_BYTES) {
      const known = specOf(action, version);
      if (known) {
        counter = counters[known.counter];
        counter.received++;
      }
      return page(GATEWAY_PAGES.uriTooLarge);
    }
    if (request.method !== "POST" && request.method !== "GET") return fail(FAULTS.unknownAction);
    if (!action) return fail(FAULTS.missingAction);
    if (!version) return fail(FAULTS.missingVersion);
    const versionActions = ACTIONS[version];
    if (!versionActions) return fail(FAULTS.unknownVersion(version));
    const spec = Object.hasOwn(versionActions, action) ? versionActions[action] : undefined;
    if (!spec) return fail(FAULTS.unknownAction);
    service = spec.service;
    counter = counters[spec.counter];
    counter.received++;

    const claim = readSignature(request);
    if (!claim.ok) return fail(claim.fault);
    // Signature freshness is judged by the wall clock the signer used, whatever the simulated clock says.
    const wallClock = Date.now();
    if (Math.abs(wallClock - claim.value.signedAt) > SIGNATURE_WINDOW_MS)
      return fail(FAULTS.timestampExpired);
    const at = now();
    const principal = identities.authenticate(claim.value, at);
    if (!principal.ok) return fail(principal.fault);
    if (!firstUse(claim.value.accessKeyId, claim.value.nonce, wallClock)) return fail(FAULTS.nonceUsed);

    // STS AssumeRole is authorised inside the action (the role ARN is its resource).
    if (spec.service === "Ecs") {
      const allowed = identities.authorizeEcs(principal.value, action, request.params);
      if (!allowed.ok) return fail(allowed.fault);
    }
    let dropForced = false;
    let emptyForced = false;
    if (spec.faultable) {
      if (!limiter.admit(principal.value.accountId, faults.qpsPerAccount, at)) return fail(FAULTS.throttled);
      const isCreate = spec.counter === "createImagePipeline";
      if ((isCreate && takeForced("throttle")) || roll(faults.throttleRate)) return fail(FAULTS.throttled);
      if ((isCreate && takeForced("serverError")) || roll(faults.serverErrorRate)) {
        return fail(FAULTS.serviceUnavailable);
      }
      if (isCreate && takeForced("badGateway")) return page(GATEWAY_PAGES.badGateway);
      if (isCreate && takeForced("uriTooLarge")) return page(GATEWAY_PAGES.uriTooLarge);
      dropForced = isCreate && takeForced("dropAfterCommit");
      emptyForced = isCreate && takeForced("emptyAnswer");
    }
    const ctx: ActionContext = {
      principal: principal.value,
      params: request.params,
      now,
      store,
      identities,
      delay: spec.faultable ? delay : async () => {},
      shouldDropAfterCommit: () => dropForced || (spec.faultable && roll(faults.dropAfterCommitRate)),
    };
    const result = await spec.run(ctx);
    // What was committed is on disk before the caller can learn of it (or lose the answer).
    await persistence?.durable();
    if (!result.ok) return fail(result.fault);
    if (result.value.drop) {
      counter.dropped++;
      req.socket.destroy();
      if (log) process.stderr.write(`ecs drop ${action} ${requestId}\n`);
      return;
    }
    if (emptyForced) {
      counter.answered.EmptyBody = (counter.answered.EmptyBody ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json;charset=utf-8" }).end();
      return;
    }
    send(200, result.value.body, "OK");
  }

  const server = createServer({ maxHeaderSize: SERVER_MAX_HEADER_BYTES }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (log) process.stderr.write(`ecs internal error: ${String(err)}\n`);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json;charset=utf-8" }).end(
            JSON.stringify({
              RequestId: randomUUID().toUpperCase(),
              HostId: HOST_IDS.Ecs,
              Code: FAULTS.internalError.code,
              Message: FAULTS.internalError.message,
            }),
          );
        }
      });
    });
  });

  // Past even the raised limit Node's parser gives up before any handler runs; the gateway would
  // have refused such a request line with 414 long before, so say that rather than Node's 431.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const p = err.code === "HPE_HEADER_OVERFLOW" ? GATEWAY_PAGES.uriTooLarge : undefined;
    const html = p ? gatewayPageHtml(p) : "";
    const status = p ? `${p.status} ${p.reason}` : "400 Bad Request";
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(html)}\r\nConnection: close\r\n\r\n${html}`,
    );
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const control: EcsControl = {
    getFaults: () => ({ ...faults, latencyMs: [...faults.latencyMs] }),
    setFaults: (partial) => {
      faults = mergeFaults(faults, partial);
      return control.getFaults();
    },
    forceNext: (kind, count = 1) => {
      if (!(FORCED_FAULT_KINDS as readonly string[]).includes(kind)) {
        throw new RangeError(`unknown forced fault "${String(kind)}"`);
      }
      if (!Number.isInteger(count) || count < 1) throw new RangeError("count must be a whole number >= 1");
      for (let i = 0; i < count; i++) forced.push(kind);
    },
    pipelines: () =>
      store.list().map(({ imagePipelineId, accountId, regionId, clientToken, name, createdAt }) => ({
        imagePipelineId,
        accountId,
        regionId,
        clientToken,
        name,
        createdAt,
      })),
    calls: () => structuredClone(counters),
    reset: () => {
      store.reset();
      identities.clearSessions();
      limiter.reset();
      usedNonces.clear();
      counters = emptyCounters();
      forced = [];
    },
  };

  return {
    url: `http://${host}:${port}`,
    port,
    control,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await persistence?.close();
    },
  };
}
