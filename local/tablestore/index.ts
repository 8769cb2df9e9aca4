/**
 * The local Tablestore emulator: `npm run emulator -- tablestore --port N [--data DIR]
 * [--server-busy-rate R] [--index-lag-ms MS | MIN,MAX]`. Speaks the service's protobuf-over-HTTP protocol closely enough for
 * the unmodified `tablestore` SDK; see README.md for what it covers and where it differs.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorOptions, RunningEmulator } from "../emulator-types";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TABLESTORE_INSTANCE } from "../identities";
import { createLocalRam } from "../ram/local-model";
import type { LocalRam } from "../ram/model";
import { authenticate, authorize } from "./auth";
import { OtsFailure, ots } from "./errors";
import { IndexChangeQueue, type IndexLag, parseIndexLag, validatedIndexLag } from "./index-lag";
import { HANDLERS, isOperation, OPERATIONS, type Operation } from "./operations";
import { openTablestorePersistence } from "./persistence";
import { encode } from "./protocol";
import { TablestoreState } from "./state";

export type { IndexLag } from "./index-lag";
export type { Operation } from "./operations";

export interface TablestoreFaults {
  /** Share of authenticated requests answered with 503 OTSServerBusy without doing the work, 0..1. */
  serverBusyRate: number;
}

export interface TablestoreControl {
  getFaults(): TablestoreFaults;
  /** Merges `partial` into the settings; throws a RangeError (and changes nothing) if a value is invalid. */
  setFaults(partial: Partial<TablestoreFaults>): void;
  /** Drops every table. */
  reset(): void;
  /** Authenticated requests received per operation since start (faulted and failed ones included). */
  calls(): Record<Operation, number>;
  getIndexLag(): IndexLag;
  /**
   * Lag for index changes made from now on (pending ones keep their time); throws a RangeError
   * (and changes nothing) if invalid. Changes to one index row still apply in write order.
   */
  setIndexLag(lag: IndexLag): void;
  /** Resolves once every index change made before the call is visible (each after its own lag). */
  settleIndexes(): Promise<void>;
  /** Index changes not yet visible. */
  pendingIndexChanges(): number;
}

export interface TablestoreOptions extends EmulatorOptions {
  faults?: Partial<TablestoreFaults>;
  /**
   * Keys, STS sessions and RAM policies, shared with the other emulators; default
   * local/ram/local-model.ts (its own model, so only its keys and no other emulator's sessions).
   */
  ram?: LocalRam;
  /** Region and owner account of the instance, for the RAM resource ARNs; default cn-hangzhou and the service account. */
  region?: string;
  accountId?: string;
  /** Source of randomness for fault injection, in [0, 1). Defaults to Math.random. */
  random?: () => number;
  /**
   * How long after a write its global secondary index changes become visible: fixed ms, or
   * uniformly random in [min, max] per change. Default 0 (synchronous). `--index-lag-ms` too.
   */
  indexLagMs?: IndexLag;
}

export type RunningTablestore = RunningEmulator & { control: TablestoreControl };

/** The service's HTTP body limit (docs/cloud-facts.md, "Tablestore limits"). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

function validatedFaults(current: TablestoreFaults, partial: Partial<TablestoreFaults>): TablestoreFaults {
  const next = { ...current };
  for (const [key, value] of Object.entries(partial)) {
    if (key !== "serverBusyRate") throw new RangeError(`unknown Tablestore fault setting "${key}"`);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new RangeError("serverBusyRate must be a number from 0 to 1");
    }
    next.serverBusyRate = value;
  }
  return next;
}

function parseArgs(args: readonly string[]): { faults: Partial<TablestoreFaults>; indexLag?: IndexLag } {
  const faults: Partial<TablestoreFaults> = {};
  let indexLag: IndexLag | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === "--server-busy-rate") faults.serverBusyRate = Number(args[++i]);
    else if (flag === "--index-lag-ms") indexLag = parseIndexLag(args[++i]);
    else
      throw new RangeError(
        `unknown tablestore flag "${flag}" (known: --server-busy-rate R, --index-lag-ms MS|MIN,MAX)`,
      );
  }
  return { faults, ...(indexLag === undefined ? {} : { indexLag }) };
}

function newRequestId(): string {
  // Shaped like the service's ids: hex time prefix, then random hex groups.
  const hex = randomBytes(12).toString("hex");
  return `${Date.now().toString(16).padStart(16, "0").slice(-16)}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16)}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: Buffer, requestId: string): void {
  res.writeHead(status, {
    "content-type": "application/x-protobuf",
    "content-length": body.length,
    "x-ots-requestid": requestId,
    "x-ots-contenttype": "protocol buffer",
    "x-ots-date": new Date().toISOString(),
  });
  res.end(body);
}

export async function start(options: TablestoreOptions): Promise<RunningTablestore> {
  const args = parseArgs(options.args ?? []);
  let faults = validatedFaults({ serverBusyRate: 0 }, { ...args.faults, ...options.faults });
  const indexChanges = new IndexChangeQueue(validatedIndexLag(options.indexLagMs ?? args.indexLag ?? 0));
  const random = options.random ?? Math.random;
  const ram = options.ram ?? createLocalRam();
  const owner = {
    ram,
    region: options.region ?? "cn-hangzhou",
    accountId: options.accountId ?? LOCAL_SERVICE_ACCOUNT_ID,
    instanceName: LOCAL_TABLESTORE_INSTANCE,
  };
  const counts = Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Operation, number>;

  const persistence = options.dataDir
    ? await openTablestorePersistence(options.dataDir, indexChanges)
    : undefined;
  const state = persistence?.state ?? new TablestoreState(undefined, indexChanges);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    try {
      const body = await readBody(req);
      if (req.method !== "POST") throw ots.methodNotAllowed();
      if (body.length > MAX_BODY_BYTES) throw ots.bodyTooLarge();
      const operation = (req.url ?? "/").split("?")[0]!.slice(1);
      const caller = authenticate(operation, req.headers, body, {
        instanceName: LOCAL_TABLESTORE_INSTANCE,
        ram,
        now: Date.now(),
      });
      if (!isOperation(operation)) throw ots.unsupportedOperation(operation);
      authorize(operation, body, caller, owner);
      counts[operation]++;
      if (faults.serverBusyRate > 0 && random() < faults.serverBusyRate) throw ots.serverBusy();
      const answer = HANDLERS[operation](state, body, Date.now());
      // A write is on disk before the caller can learn of it (persistence.ts).
      await persistence?.durable();
      send(res, 200, answer, requestId);
    } catch (err) {
      const failure =
        err instanceof OtsFailure ? err : ots.internal(err instanceof Error ? err.message : String(err));
      send(
        res,
        failure.httpStatus,
        encode("Error", { code: failure.code, message: failure.message }),
        requestId,
      );
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const control: TablestoreControl = {
    getFaults: () => ({ ...faults }),
    setFaults(partial) {
      faults = validatedFaults(faults, partial);
    },
    reset: () => state.reset(),
    calls: () => ({ ...counts }),
    getIndexLag: () => indexChanges.getLag(),
    setIndexLag: (lag) => indexChanges.setLag(lag),
    settleIndexes: () => indexChanges.settle(),
    pendingIndexChanges: () => indexChanges.pending(),
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    control,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      // Nothing pending is lost: index rows are rebuilt from the base rows on load anyway, and
      // applying them here lets a caller still holding the state see them too.
      indexChanges.flush();
      await persistence?.close();
    },
  };
}
