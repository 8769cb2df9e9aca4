/**
 * Keys per target account (docs/processing.md, "Cross-account"): the service account's own keys
 * for its own records, and for any other account the keys of STS AssumeRole into
 * `acs:ram::<AccountId>:role/<role name>`, with the function's own keys as the caller.
 *
 * - Assumed keys are kept per account until `refreshBeforeMs` before they expire, so a batch for
 *   one account costs one AssumeRole an hour, not one per record (STS allows 100 QPS per account).
 * - Callers that ask for the same account at the same time share one AssumeRole in flight.
 * - A refusal (`EntityNotExist.Role`, `NoPermission`, ...) is a permanent failure of the records of
 *   that account only; it is remembered for `refusalTtlMs` so a batch of records for an account
 *   without the role does not send STS one refused call per record. Transient failures
 *   (throttling, 5xx, network) are never remembered: the worker retries them.
 * - One provider serves one set of source keys: FC rotates the function role's keys, and the
 *   worker composition builds a new provider (and so a new cache) when they change.
 *
 * Nothing here logs: keys and tokens never leave this module except to the SDK call that uses them.
 */
import type { CloudApiFailure } from "../../app/ports";
import type { RoleAssumer } from "../sts/role-assumer";
import type {
  AccessKeyCredentials,
  AccountCredentials,
  AccountCredentialsProvider,
  ForAccountOptions,
} from "./keys";

export interface AssumedRoleProviderOptions {
  serviceAccountId: string;
  /** The function's own keys (FC `context.credentials`): used as they are for its own account. */
  own: AccessKeyCredentials;
  /** CROSS_ACCOUNT_ROLE_NAME: the role every other account creates for the service. */
  roleName: string;
  /** CROSS_ACCOUNT_EXTERNAL_ID: sent with every AssumeRole when set. */
  externalId?: string;
  assumeRole: RoleAssumer;
  /** Milliseconds since the epoch; injectable so tests can move past an expiry. */
  now?: () => number;
  /** Asked-for lifetime of assumed keys (STS: 900 to the role's maximum, default 3600). */
  durationSeconds?: number;
  /** How long before their expiry assumed keys are replaced. */
  refreshBeforeMs?: number;
  /** How long a permanent refusal is answered from memory. */
  refusalTtlMs?: number;
  /** Upper bound on one AssumeRole call; a caller's smaller budget wins. */
  stsTimeoutMs?: number;
  /** First part of every RoleSessionName; the rest names the record that caused the call. */
  sessionNamePrefix?: string;
  /** Accounts kept in the cache; the oldest entry goes first. */
  maxAccounts?: number;
}

export const ASSUMED_ROLE_DEFAULTS = {
  durationSeconds: 3600,
  refreshBeforeMs: 5 * 60_000,
  refusalTtlMs: 60_000,
  stsTimeoutMs: 5_000,
  sessionNamePrefix: "image-pipeline",
  maxAccounts: 256,
} as const;

/** STS: RoleSessionName is 2..64 characters of `[\w.@-]`. */
const SESSION_NAME_MAX = 64;

export function roleArnOf(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName}`;
}

/**
 * `<prefix>-<hint>` within STS's limits, so the target account's ActionTrail shows which service
 * and which record (the record's ClientToken, by default its id) assumed its role.
 */
export function roleSessionName(prefix: string, hint: string | undefined): string {
  const raw = hint ? `${prefix}-${hint}` : prefix;
  const name = raw.replace(/[^\w.@-]/g, "-").slice(0, SESSION_NAME_MAX);
  return name.length >= 2 ? name : `${name}--`.slice(0, 2);
}

type Entry =
  | { kind: "keys"; credentials: AccessKeyCredentials; refreshAt: number }
  | { kind: "refused"; failure: CloudApiFailure; until: number };

export function assumedRoleCredentials(options: AssumedRoleProviderOptions): AccountCredentialsProvider {
  const settings = { ...ASSUMED_ROLE_DEFAULTS, ...definedOnly(options) };
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<AccountCredentials>>();

  const remember = (accountId: string, entry: Entry) => {
    entries.delete(accountId);
    if (entries.size >= settings.maxAccounts) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(accountId, entry);
  };

  async function assume(accountId: string, call: ForAccountOptions): Promise<AccountCredentials> {
    const roleArn = roleArnOf(accountId, options.roleName);
    const startedAt = now();
    const outcome = await options
      .assumeRole(options.own, {
        roleArn,
        roleSessionName: roleSessionName(settings.sessionNamePrefix, call.sessionHint),
        durationSeconds: settings.durationSeconds,
        ...(options.externalId ? { externalId: options.externalId } : {}),
        timeoutMs: Math.min(settings.stsTimeoutMs, call.timeoutMs ?? Number.POSITIVE_INFINITY),
      })
      // The port never throws; should an implementation break that, the record still gets an outcome.
      .catch((err: unknown) => ({
        ok: false as const,
        failure: {
          code: "ClientSideError",
          message: err instanceof Error ? err.message : String(err),
          transient: true,
        },
      }));
    if (outcome.ok) {
      // Trust neither clock alone: the answer's expiry, and the asked-for lifetime from our start.
      const expiresAt = Math.min(outcome.expiresAt.getTime(), startedAt + settings.durationSeconds * 1000);
      const refreshAt = expiresAt - settings.refreshBeforeMs;
      if (refreshAt > now())
        remember(accountId, { kind: "keys", credentials: outcome.credentials, refreshAt });
      return { ok: true, credentials: outcome.credentials };
    }
    const failure: CloudApiFailure = {
      ...outcome.failure,
      message: `STS AssumeRole into ${roleArn} failed: ${outcome.failure.message}`,
    };
    if (!failure.transient)
      remember(accountId, { kind: "refused", failure, until: now() + settings.refusalTtlMs });
    return { ok: false, failure };
  }

  return {
    async forAccount(accountId, call = {}) {
      if (accountId === options.serviceAccountId) return { ok: true, credentials: options.own };
      const entry = entries.get(accountId);
      if (entry?.kind === "keys" && now() < entry.refreshAt)
        return { ok: true, credentials: entry.credentials };
      if (entry?.kind === "refused" && now() < entry.until) return { ok: false, failure: entry.failure };
      const running = inFlight.get(accountId);
      if (running) return running;
      const promise = assume(accountId, call).finally(() => inFlight.delete(accountId));
      inFlight.set(accountId, promise);
      return promise;
    },
  };
}

/** Options given as `undefined` keep their defaults. */
function definedOnly(options: AssumedRoleProviderOptions): Partial<typeof ASSUMED_ROLE_DEFAULTS> {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(ASSUMED_ROLE_DEFAULTS)) {
    const value = (options as unknown as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as Partial<typeof ASSUMED_ROLE_DEFAULTS>;
}
