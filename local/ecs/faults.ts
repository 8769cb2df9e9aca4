/**
 * Fault settings of the ECS simulator (docs/local.md, "Fault settings"): what they are, how
 * they are checked, and how they are read from command-line flags.
 */

export interface EcsFaults {
  /** Share of ECS calls answered `Throttling.User` (400) without doing the work. */
  throttleRate: number;
  /** Share of ECS calls answered `ServiceUnavailable` (503) without doing the work. */
  serverErrorRate: number;
  /** Share of mutating calls that do the work and then drop the connection unanswered. */
  dropAfterCommitRate: number;
  /** Added processing time per ECS call, drawn uniformly from [min, max] milliseconds. */
  latencyMs: [number, number];
  /** ECS calls per account per second above which the answer is `Throttling.User`; 0 = no limit. */
  qpsPerAccount: number;
}

/** What `setFaults` and the start options take: any subset; `latencyMs` may be one number. */
export type EcsFaultsUpdate = Partial<Omit<EcsFaults, "latencyMs">> & {
  latencyMs?: number | [number, number];
};

/**
 * A fault forced onto the next CreateImagePipeline calls regardless of rates, so tests need no luck:
 * `throttle` (400 Throttling.User) and `serverError` (503 ServiceUnavailable) without the work;
 * `dropAfterCommit` does the work and drops the connection; `badGateway` (502) and `uriTooLarge`
 * (414) are the gateway's HTML pages, without the work; `emptyAnswer` does the work and answers
 * 200 with an empty body (a proxy that cut the answer).
 */
export const FORCED_FAULT_KINDS = [
  "throttle",
  "serverError",
  "dropAfterCommit",
  "badGateway",
  "uriTooLarge",
  "emptyAnswer",
] as const;
export type ForcedFaultKind = (typeof FORCED_FAULT_KINDS)[number];

export const NO_FAULTS: Readonly<EcsFaults> = Object.freeze({
  throttleRate: 0,
  serverErrorRate: 0,
  dropAfterCommitRate: 0,
  latencyMs: [0, 0] as [number, number],
  qpsPerAccount: 0,
});

export class FaultSettingsError extends Error {
  readonly code = "InvalidFaultSettings";
  constructor(readonly issues: string[]) {
    super(`invalid ECS fault settings: ${issues.join("; ")}`);
    this.name = "FaultSettingsError";
  }
}

const RATE_KEYS = ["throttleRate", "serverErrorRate", "dropAfterCommitRate"] as const;
const KNOWN_KEYS = new Set<string>([...RATE_KEYS, "latencyMs", "qpsPerAccount"]);
const MAX_LATENCY_MS = 60_000;

/** Applies a partial update to `base`; throws {@link FaultSettingsError} naming every bad field. */
export function mergeFaults(base: Readonly<EcsFaults>, partial: unknown): EcsFaults {
  if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
    throw new FaultSettingsError(["the settings must be a JSON object"]);
  }
  const input = partial as Record<string, unknown>;
  const issues: string[] = [];
  const next: EcsFaults = { ...base, latencyMs: [...base.latencyMs] };
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) issues.push(`unknown setting "${key}" (known: ${[...KNOWN_KEYS].join(", ")})`);
  }
  for (const key of RATE_KEYS) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
      issues.push(`${key} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
    } else {
      next[key] = value;
    }
  }
  if (input.latencyMs !== undefined) {
    const latency = latencyRange(input.latencyMs);
    if (typeof latency === "string") issues.push(latency);
    else next.latencyMs = latency;
  }
  if (input.qpsPerAccount !== undefined) {
    const qps = input.qpsPerAccount;
    if (typeof qps !== "number" || !Number.isInteger(qps) || qps < 0) {
      issues.push(`qpsPerAccount must be a whole number >= 0 (0 = no limit), got ${JSON.stringify(qps)}`);
    } else {
      next.qpsPerAccount = qps;
    }
  }
  if (issues.length > 0) throw new FaultSettingsError(issues);
  return next;
}

function latencyRange(value: unknown): [number, number] | string {
  const pair = typeof value === "number" ? [value, value] : value;
  const ok =
    Array.isArray(pair) &&
    pair.length === 2 &&
    pair.every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0 && n <= MAX_LATENCY_MS) &&
    (pair[0] as number) <= (pair[1] as number);
  return ok
    ? [pair[0] as number, pair[1] as number]
    : `latencyMs must be a number or [min, max] with 0 <= min <= max <= ${MAX_LATENCY_MS}, got ${JSON.stringify(value)}`;
}

export interface EcsFlags {
  faults: EcsFaultsUpdate;
  /** Seed for the fault dice, so a run can be replayed. */
  seed?: number;
  /** Write one line per request to stderr. */
  log: boolean;
}

const FLAG_TO_SETTING: Record<string, keyof EcsFaults> = {
  "--throttle-rate": "throttleRate",
  "--server-error-rate": "serverErrorRate",
  "--drop-after-commit-rate": "dropAfterCommitRate",
  "--latency-ms": "latencyMs",
  "--qps-per-account": "qpsPerAccount",
};

/** `--throttle-rate 0.3 --latency-ms 20,200 --qps-per-account 20 --seed 7 --log`; throws on anything else. */
export function parseEcsFlags(args: readonly string[]): EcsFlags {
  const faults: Record<string, unknown> = {};
  const flags: EcsFlags = { faults: {}, log: false };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const [name, inline] = flag.includes("=") ? (flag.split("=", 2) as [string, string]) : [flag, undefined];
    if (name === "--log") {
      flags.log = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new FaultSettingsError([`${name} needs a value`]);
    if (name === "--seed") {
      const seed = Number(value);
      if (!Number.isInteger(seed))
        throw new FaultSettingsError([`--seed must be an integer, got "${value}"`]);
      flags.seed = seed;
      continue;
    }
    const setting = FLAG_TO_SETTING[name];
    if (!setting) {
      throw new FaultSettingsError([
        `unknown flag "${name}" (known: ${[...Object.keys(FLAG_TO_SETTING), "--seed", "--log"].join(", ")})`,
      ]);
    }
    faults[setting] = setting === "latencyMs" ? value.split(",").map(Number) : Number(value);
    if (setting === "latencyMs" && !value.includes(",")) faults[setting] = Number(value);
  }
  flags.faults = mergeFaults(NO_FAULTS, faults);
  return flags;
}

/** mulberry32: a small seeded generator, enough for fault dice. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Calls per account in the last second, for `qpsPerAccount`. */
export class PerAccountRateLimiter {
  private readonly recent = new Map<string, number[]>();

  /** Records the call and says whether it is within `limit` per second (limit 0 = always). */
  admit(accountId: string, limit: number, now: number): boolean {
    if (limit <= 0) return true;
    const windowStart = now - 1000;
    const kept = (this.recent.get(accountId) ?? []).filter((t) => t > windowStart);
    if (kept.length >= limit) {
      this.recent.set(accountId, kept);
      return false;
    }
    kept.push(now);
    this.recent.set(accountId, kept);
    return true;
  }

  reset(): void {
    this.recent.clear();
  }
}
