/**
 * The local stack's `/_local/*` routes (spec/local-cloud.md, "Control plane"), served on the API port
 * and never part of a deployed function. The stack supplies what they act on ({@link ControlPlane});
 * this module owns the HTTP side: paths, JSON, and problem bodies for bad input.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EcsCalls, EcsFaults, EcsFaultsUpdate, EcsPipelineView } from "./ecs/index";
import type { ReceivedEvent } from "./events-queue";
import type { PumpStats } from "./fc/trigger-pump";
import type { MnsFaults } from "./mns/index";
import type { TablestoreFaults } from "./tablestore/index";

export interface WorkerFaults {
  /** Share of CreateImagePipeline answers after which the worker invocation is killed (fc/crash-proxy.ts). */
  crashAfterCallRate: number;
}

export const NO_WORKER_FAULTS: Readonly<WorkerFaults> = Object.freeze({ crashAfterCallRate: 0 });

/** The body of PUT /_local/faults: every part optional; what is left out is off. */
export interface FaultSettings {
  ecs?: EcsFaultsUpdate;
  mns?: Partial<MnsFaults>;
  tablestore?: Partial<TablestoreFaults>;
  worker?: Partial<WorkerFaults>;
}

export interface CurrentFaults {
  ecs: EcsFaults;
  mns: MnsFaults;
  tablestore: TablestoreFaults;
  worker: WorkerFaults;
}

/** The queue trigger's counters (local/fc/trigger-pump.ts `PumpStats`), paused, and the crashes. */
export interface TriggerState extends PumpStats {
  paused: boolean;
  /** Worker invocations killed by `crashAfterCallRate`. */
  crashes: number;
}

/** One reconciler invocation: the function's answer (its ReconcileReport) or how it failed. */
export type ReconcilerRun =
  | { ok: true; requestId: string; report: unknown }
  | { ok: false; requestId: string; kind: string; message: string };

export interface ReconcilerState {
  /** False when dist/ has no reconciler bundle: no timer, and a run on request answers `unavailable`. */
  enabled: boolean;
  intervalMs: number;
  pendingAfterSeconds: number;
  /** Invocations so far, by the timer or on request. */
  runs: number;
  failures: number;
  /** Record ids queued again so far, summed over every successful run. */
  requeuedPending: number;
  requeuedExpired: number;
  last?: ReconcilerRun;
}

export interface ControlPlane {
  info(): unknown;
  jwks(): unknown;
  getFaults(): CurrentFaults;
  /** Replaces every setting; throws (changing nothing) when one is invalid. */
  replaceFaults(settings: FaultSettings): CurrentFaults;
  pipelines(): EcsPipelineView[];
  calls(): EcsCalls;
  trigger(): TriggerState;
  /** Resolves once no receive is in progress: messages sent afterwards stay queued until resume. */
  pauseTrigger(): Promise<void>;
  resumeTrigger(): void;
  /** Runs the reconciler now (after a run in progress, if any) and answers its result. */
  reconcileNow(): Promise<ReconcilerRun>;
  reconciler(): ReconcilerState;
  /** Every completion event since start or reset (or the last clear), oldest first. */
  events(): Promise<ReceivedEvent[]>;
  clearEvents(): Promise<void>;
  /** Empties every emulator and provisions the table, queues and topic again; fault settings stay. */
  reset(): Promise<void>;
}

export class FaultInputError extends Error {
  readonly code = "InvalidFaultSettings";
}

const SECTIONS = ["ecs", "mns", "tablestore", "worker"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the outer shape and the worker part; the emulators check their own parts. */
export function parseFaultSettings(body: unknown): FaultSettings {
  if (!isObject(body)) throw new FaultInputError("the fault settings must be a JSON object");
  const problems: string[] = [];
  for (const key of Object.keys(body)) {
    if (!(SECTIONS as readonly string[]).includes(key)) {
      problems.push(`unknown part "${key}" (known: ${SECTIONS.join(", ")})`);
    } else if (!isObject(body[key])) problems.push(`"${key}" must be a JSON object`);
  }
  const worker = body.worker;
  if (isObject(worker)) {
    for (const [key, value] of Object.entries(worker)) {
      if (key !== "crashAfterCallRate")
        problems.push(`unknown worker setting "${key}" (known: crashAfterCallRate)`);
      else if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
        problems.push(`worker.crashAfterCallRate must be a number from 0 to 1, got ${JSON.stringify(value)}`);
      }
    }
  }
  if (problems.length > 0) throw new FaultInputError(problems.join("; "));
  return body as FaultSettings;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body, null, 2);
  res
    .writeHead(status, {
      ...(text ? { "content-type": status >= 400 ? "application/problem+json" : "application/json" } : {}),
      ...headers,
    })
    .end(text);
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  code: string,
  detail?: string,
  headers?: Record<string, string>,
): void {
  send(res, status, { type: "about:blank", title, status, code, ...(detail ? { detail } : {}) }, headers);
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false };
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse, plane: ControlPlane) => Promise<void> | void;

const ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  "/_local/info": { GET: (_q, res, p) => send(res, 200, p.info()) },
  "/_local/jwks.json": { GET: (_q, res, p) => send(res, 200, p.jwks(), { "cache-control": "no-store" }) },
  "/_local/faults": {
    GET: (_q, res, p) => send(res, 200, p.getFaults()),
    PUT: async (req, res, p) => {
      const body = await readJson(req);
      if (!body.ok) return problem(res, 400, "The body is not valid JSON", "MalformedJSON");
      try {
        send(res, 200, p.replaceFaults(parseFaultSettings(body.value)));
      } catch (err) {
        problem(
          res,
          400,
          "Invalid fault settings",
          "InvalidFaultSettings",
          err instanceof Error ? err.message : String(err),
        );
      }
    },
  },
  "/_local/ecs/pipelines": { GET: (_q, res, p) => send(res, 200, p.pipelines()) },
  "/_local/ecs/calls": { GET: (_q, res, p) => send(res, 200, p.calls()) },
  "/_local/trigger": { GET: (_q, res, p) => send(res, 200, p.trigger()) },
  "/_local/trigger/pause": {
    POST: async (_q, res, p) => {
      await p.pauseTrigger();
      send(res, 200, p.trigger());
    },
  },
  "/_local/trigger/resume": {
    POST: (_q, res, p) => {
      p.resumeTrigger();
      send(res, 200, p.trigger());
    },
  },
  "/_local/reconcile": { POST: async (_q, res, p) => send(res, 200, await p.reconcileNow()) },
  "/_local/reconciler": { GET: (_q, res, p) => send(res, 200, p.reconciler()) },
  "/_local/events": {
    GET: async (_q, res, p) => send(res, 200, await p.events()),
    DELETE: async (_q, res, p) => {
      await p.clearEvents();
      send(res, 204, undefined);
    },
  },
  "/_local/reset": {
    POST: async (_q, res, p) => {
      await p.reset();
      send(res, 204, undefined);
    },
  },
};

/** Serves one `/_local/*` request; never rejects. */
export async function handleControlRequest(
  req: IncomingMessage,
  res: ServerResponse,
  plane: ControlPlane,
): Promise<void> {
  try {
    const path = new URL(req.url ?? "/", "http://local").pathname.replace(/\/+$/, "");
    const methods = ROUTES[path];
    if (!methods) return problem(res, 404, "No such control route", "NotFound");
    const handler = methods[req.method ?? "GET"];
    if (!handler) {
      return problem(res, 405, "Method not allowed", "MethodNotAllowed", undefined, {
        allow: Object.keys(methods).join(", "),
      });
    }
    await handler(req, res, plane);
  } catch (err) {
    if (!res.headersSent) problem(res, 500, "The control plane failed", "InternalError", String(err));
  }
}
