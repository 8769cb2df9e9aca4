/**
 * The local stack's `/_local/*` routes (docs/local.md, "Control plane"), served on the API port
 * and never part of a deployed function. The stack supplies what they act on ({@link ControlPlane});
 * this module owns the HTTP side: paths, JSON, and problem bodies for bad input.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { EcsCalls, EcsFaults, EcsFaultsUpdate, EcsPipelineView } from "./ecs/index";
import type { ReceivedEvent } from "./events-queue";
import type { PumpStats } from "./fc/trigger-pump";
import { writeFileDurably } from "./journal";
import { DEFAULT_DEV_SCOPE, type DevTokenClaims } from "./jwt";
import type { MnsFaults } from "./mns/index";
import type { TablestoreFaults } from "./tablestore/index";

export interface WorkerFaults {
  /** Share of CreateImagePipeline answers after which the worker invocation is killed (fc/crash-proxy.ts). */
  crashAfterCallRate: number;
  /**
   * Share of completion-event publishes at which the worker invocation is killed instead: after the
   * record's terminal write, before the event reaches the topic (the outbox's fault).
   */
  crashBeforePublishRate: number;
}

const WORKER_FAULT_NAMES = ["crashAfterCallRate", "crashBeforePublishRate"] as const;

export const NO_WORKER_FAULTS: Readonly<WorkerFaults> = Object.freeze({
  crashAfterCallRate: 0,
  crashBeforePublishRate: 0,
});

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
  /** Worker invocations killed by `crashBeforePublishRate`. */
  crashesBeforePublish: number;
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
  /** Keeps the settings in effect in the data directory (a no-op without one), so a restart has them. */
  persistFaults(): Promise<void>;
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
  /** A dev token signed with the stack's key (local/jwt.ts), for the web console's sign-in button. */
  issueDevToken(claims: DevTokenClaims): Promise<string>;
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
      if (!(WORKER_FAULT_NAMES as readonly string[]).includes(key))
        problems.push(`unknown worker setting "${key}" (known: ${WORKER_FAULT_NAMES.join(", ")})`);
      else if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
        problems.push(`worker.${key} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
      }
    }
  }
  if (problems.length > 0) throw new FaultInputError(problems.join("; "));
  return body as FaultSettings;
}

/** `<data dir>/faults.json`: the fault settings in effect, as GET /_local/faults shows them. */
export const SAVED_FAULTS_FILE = "faults.json";

/** Reads fault settings from a JSON file (the body of PUT /_local/faults); throws naming the file. */
export async function readFaultFile(file: string): Promise<FaultSettings> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new FaultInputError(`cannot read the fault settings file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FaultInputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return parseFaultSettings(parsed);
  } catch (err) {
    throw new FaultInputError(`${file}: ${(err as Error).message}`);
  }
}

/** The settings saved in `dataDir` by {@link saveFaults}, if any. */
export async function readSavedFaults(dataDir: string): Promise<FaultSettings | undefined> {
  const file = path.join(dataDir, SAVED_FAULTS_FILE);
  try {
    await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  }
  return readFaultFile(file);
}

export async function saveFaults(dataDir: string, faults: CurrentFaults): Promise<void> {
  await writeFileDurably(path.join(dataDir, SAVED_FAULTS_FILE), `${JSON.stringify(faults, null, 2)}\n`);
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

/** The scopes a dev token may carry (shared/http/routes.ts `Scope`). */
const DEV_SCOPES = ["pipelines:write", "pipelines:read", "pipelines:admin"];
/** Shorter than `npm run dev-token`'s day: a console tab asks again with one click. */
export const CONSOLE_DEV_TOKEN_SECONDS = 3600;

/** The body of POST /_local/dev-token: `{sub?, scope?}`; throws a sentence for a bad one. */
export function parseDevTokenRequest(body: unknown): DevTokenClaims {
  const input = isObject(body) ? body : {};
  const sub = input.sub ?? "console-user";
  const scope = input.scope ?? DEFAULT_DEV_SCOPE;
  if (typeof sub !== "string" || !/^[\w.@-]{1,64}$/.test(sub))
    throw new FaultInputError("sub must be 1 to 64 letters, digits, or . _ @ -");
  if (typeof scope !== "string" || !scope.split(" ").every((s) => DEV_SCOPES.includes(s)))
    throw new FaultInputError(`scope must be space-separated scopes among ${DEV_SCOPES.join(", ")}`);
  return { sub, scope, expiresInSeconds: CONSOLE_DEV_TOKEN_SECONDS };
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
      let current: CurrentFaults;
      try {
        current = p.replaceFaults(parseFaultSettings(body.value));
      } catch (err) {
        return problem(
          res,
          400,
          "Invalid fault settings",
          "InvalidFaultSettings",
          err instanceof Error ? err.message : String(err),
        );
      }
      // Kept before the answer: a restart, even after kill -9, has the settings that were answered.
      await p.persistFaults();
      send(res, 200, current);
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
  // Local only: a deployed function has no such route (the console shows its button only when
  // GET /_local/info answers). The answer is not readable cross-origin (no CORS headers).
  "/_local/dev-token": {
    POST: async (req, res, p) => {
      const body = await readJson(req);
      let claims: DevTokenClaims;
      try {
        claims = parseDevTokenRequest(body.ok ? body.value : undefined);
      } catch (err) {
        return problem(
          res,
          400,
          "Invalid dev token request",
          "InvalidDevTokenRequest",
          (err as Error).message,
        );
      }
      const token = await p.issueDevToken(claims);
      send(
        res,
        200,
        { token, sub: claims.sub, scope: claims.scope, expiresInSeconds: claims.expiresInSeconds },
        { "cache-control": "no-store" },
      );
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
