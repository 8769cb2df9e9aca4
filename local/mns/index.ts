/**
 * The MNS emulator: `npm run emulator -- mns --port N [--data DIR] [--duplicate-rate R]
 * [--send-error-rate R]`. See README.md for what it covers and where it differs from the service.
 */
import type { AddressInfo } from "node:net";
import type { EmulatorOptions, RunningEmulator } from "../emulator-types";
import { LOCAL_ACCESS_KEYS } from "../identities";
import { createLocalRam } from "../ram/local-model";
import type { LocalRam } from "../ram/model";
import { type MnsAccessKey, type ResolveAccessKey, ramAuthorizer } from "./auth";
import { createHttpPusher, type HttpPushOptions, type HttpPushStats } from "./http-push";
import { openMnsPersistence } from "./persistence";
import { createMnsServer, MNS_OPERATIONS, type MnsFaults, type MnsOperation } from "./server";
import { createPushSigner } from "./signing";
import { MnsStore, type QueueCounts } from "./store";

export type { MnsAccessKey, ResolveAccessKey } from "./auth";
export type { HttpPushOptions, HttpPushStats } from "./http-push";
export type { MnsFaults, MnsOperation } from "./server";
export type { QueueCounts } from "./store";

export interface TopicState {
  accountId: string;
  name: string;
  subscriptions: { name: string; endpoint: string; notifyContentFormat: string; filterTag: string }[];
  /** Notifications dropped because the subscribed queue did not exist. */
  undeliverable: number;
}

export interface MnsControl {
  getFaults(): MnsFaults;
  /** Merges validated settings; throws {@link InvalidFaultsError} and changes nothing otherwise. */
  setFaults(partial: Partial<MnsFaults>): MnsFaults;
  /** Empties every queue, topic and subscription and zeroes the call and push counters; faults stay. */
  reset(): void;
  /** Requests received per operation (authenticated or not), since start or the last reset. */
  calls(): Record<MnsOperation, number>;
  queues(): QueueCounts[];
  topics(): TopicState[];
  /** Per HTTP subscription: notifications delivered, failed posts, discarded and pending (http-push.ts). */
  httpPushes(): HttpPushStats[];
  /** Accepts another key from now on, e.g. temporary keys the STS simulator issued. */
  addAccessKey(key: MnsAccessKey): void;
}

export interface MnsStartOptions extends EmulatorOptions {
  /** Consulted after the keys in local/identities.ts and those added with `addAccessKey`. */
  resolveAccessKey?: ResolveAccessKey;
  faults?: Partial<MnsFaults>;
  /** Keys, STS sessions and RAM policies shared with the other emulators; default local/ram/local-model.ts. */
  ram?: LocalRam;
  /** The region in RAM resource ARNs; default cn-hangzhou. */
  region?: string;
  /** HTTP endpoint pushes: retry delay scale and answer timeout (defaults: MNS's schedule, 5 s). */
  httpPush?: HttpPushOptions;
  /** For tests: a predictable source for fault injection. */
  random?: () => number;
}

export class InvalidFaultsError extends Error {
  override readonly name = "InvalidFaultsError";
  readonly code = "InvalidFaults";
}

const FAULT_FLAGS: Record<string, keyof MnsFaults> = {
  "--duplicate-rate": "duplicateRate",
  "--send-error-rate": "sendErrorRate",
};

function validFaults(current: MnsFaults, partial: Partial<Record<string, unknown>>): MnsFaults {
  const next = { ...current };
  for (const [name, value] of Object.entries(partial)) {
    if (name === "topicOutageUntil") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new InvalidFaultsError(
          `topicOutageUntil must be a time in ms since the epoch (0 = none), got ${JSON.stringify(value)}`,
        );
      }
      next.topicOutageUntil = value;
      continue;
    }
    if (name !== "duplicateRate" && name !== "sendErrorRate") {
      throw new InvalidFaultsError(
        `unknown MNS fault "${name}" (known: duplicateRate, sendErrorRate, topicOutageUntil)`,
      );
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new InvalidFaultsError(`${name} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
    }
    next[name] = value;
  }
  return next;
}

function faultsFromArgs(args: readonly string[]): Partial<MnsFaults> {
  const result: Partial<MnsFaults> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const name = FAULT_FLAGS[flag];
    if (!name)
      throw new InvalidFaultsError(
        `unknown mns flag "${flag}" (known: ${Object.keys(FAULT_FLAGS).join(", ")})`,
      );
    const text = args[++i];
    result[name] = text === undefined || text.trim() === "" ? Number.NaN : Number(text);
  }
  return result;
}

function zeroCalls(): Record<MnsOperation, number> {
  return Object.fromEntries(MNS_OPERATIONS.map((op) => [op, 0])) as Record<MnsOperation, number>;
}

function topicStates(store: MnsStore): TopicState[] {
  return store.allTopics().map((t) => ({
    accountId: t.accountId,
    name: t.name,
    undeliverable: t.undeliverable,
    subscriptions: store.subscriptions(t).map((s) => ({
      name: s.name,
      endpoint: s.endpoint,
      notifyContentFormat: s.notifyContentFormat,
      filterTag: s.filterTag,
    })),
  }));
}

export async function start(options: MnsStartOptions): Promise<RunningEmulator & { control: MnsControl }> {
  const now = Date.now;
  let faults = validFaults(
    { duplicateRate: 0, sendErrorRate: 0, topicOutageUntil: 0 },
    { ...faultsFromArgs(options.args ?? []), ...options.faults },
  );
  const extraKeys = new Map<string, MnsAccessKey>();
  const ram = ramAuthorizer(options.ram ?? createLocalRam());
  const resolveKey: ResolveAccessKey = (id) =>
    LOCAL_ACCESS_KEYS.find((k) => k.accessKeyId === id) ??
    extraKeys.get(id) ??
    ram.resolveKey(id) ??
    options.resolveAccessKey?.(id);

  const persistence = options.dataDir ? await openMnsPersistence(options.dataDir, now) : undefined;
  const store = persistence?.store ?? new MnsStore(now);

  const signer = createPushSigner();
  let url = "";
  const pusher = createHttpPusher({
    signer,
    certificateUrl: () => `${url}${signer.certificatePath}`,
    random: options.random ?? Math.random,
    options: options.httpPush,
  });
  store.setHttpPusher(pusher.push);

  let calls = zeroCalls();
  const http = createMnsServer({
    store,
    resolveKey,
    authorizer: ram,
    region: options.region ?? "cn-hangzhou",
    faults: () => faults,
    countCall: (op) => {
      calls[op]++;
    },
    changed: () => persistence?.noteMetadata(),
    durable: persistence && (() => persistence.durable()),
    now,
    random: options.random ?? Math.random,
    signingCertificate: { path: signer.certificatePath, pem: signer.certificatePem },
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    http.server.once("error", reject);
    http.server.listen(options.port, host, () => {
      http.server.off("error", reject);
      resolve();
    });
  });
  const port = (http.server.address() as AddressInfo).port;
  url = `http://${host}:${port}`;

  const control: MnsControl = {
    getFaults: () => ({ ...faults }),
    setFaults: (partial) => {
      faults = validFaults(faults, partial);
      return { ...faults };
    },
    reset: () => {
      store.reset();
      pusher.resetStats();
      calls = zeroCalls();
    },
    calls: () => ({ ...calls }),
    queues: () => store.allQueues().map((q) => store.counts(q)),
    topics: () => topicStates(store),
    httpPushes: () => pusher.stats(),
    addAccessKey: (key) => {
      extraKeys.set(key.accessKeyId, { ...key });
    },
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    control,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        http.releaseWaiters();
        pusher.close();
        http.server.close((err) => {
          (persistence?.close() ?? Promise.resolve()).then(
            () => (err ? reject(err) : resolve()),
            (closeError: unknown) => reject(closeError),
          );
        });
        // Keep-alive sockets go idle only once their last answer (e.g. a released long poll) is out.
        const sweep = setInterval(() => http.server.closeIdleConnections(), 20);
        http.server.once("close", () => clearInterval(sweep));
        http.server.closeIdleConnections();
      });
      return closing;
    },
  };
}
