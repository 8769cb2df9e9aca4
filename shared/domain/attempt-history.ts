/**
 * A record's attempt history (docs/processing.md, "Attempt history"): one entry per
 * CreateImagePipeline call the worker made or tried to make, with what came of it, so a support
 * ticket can quote ECS's RequestId and every code a record met, not only its last error.
 *
 * The history is bounded: the last {@link ATTEMPT_HISTORY_LIMITS}.kept entries, each with its text
 * clipped, so a record row stays far below Tablestore's 2 MB cell and 4 MB row-write limits
 * (docs/cloud-facts.md) whatever an answer says. Entries are numbered from 1 over the record's
 * whole life and numbers are never reused: the last entry's number is how many attempts were ever
 * recorded, and a first kept number above 1 says how many older ones were dropped.
 */
import { evidenceOf, type FailedCall } from "./call-outcome";
import { clipText } from "./request/violation";

/**
 * What one attempt came to, by the evidence of shared/domain/call-outcome and the transient /
 * permanent class of shared/domain/ecs-error-codes:
 * - `succeeded`: ECS answered with the pipeline's id;
 * - `throttled`: refused by throttling without doing any work;
 * - `outcome-unknown`: no answer, a 5xx, an answer that could not be read, or the token still in
 *   use: ECS may hold a pipeline for the token;
 * - `failed-transient` / `failed-permanent`: an answer that says no pipeline was made for this call.
 */
export const ATTEMPT_OUTCOMES = [
  "succeeded",
  "throttled",
  "outcome-unknown",
  "failed-transient",
  "failed-permanent",
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const ATTEMPT_HISTORY_LIMITS = {
  /** Entries kept: the latest ones. */
  kept: 20,
  /** JSON-escaped UTF-8 bytes of each text; longer text is cut and ends with "…". */
  codeBytes: 128,
  messageBytes: 512,
  requestIdBytes: 128,
} as const;

export interface Attempt {
  /** 1, 2, ... over the record's life; never reused. */
  number: number;
  /** When the call started (ISO-8601). */
  at: string;
  /** How long the call took; absent when nobody saw it end (its worker stopped during it). */
  durationMs?: number;
  outcome: AttemptOutcome;
  /** The ECS (or, when `reachedEcs` is false, STS) error code; absent on success. */
  code?: string;
  message?: string;
  /** The RequestId of the answer: ECS's, or STS's when `reachedEcs` is false. */
  requestId?: string;
  httpStatus?: number;
  /** Present (false) when the attempt ended before CreateImagePipeline was sent (STS, mapping). */
  reachedEcs?: false;
}

/** An attempt as the worker saw it; numbering and bounds are applied by {@link appendAttempt}. */
export type AttemptSeen = Omit<Attempt, "number">;

/** A failed call's outcome: the token evidence first, then the class of the code. */
export function outcomeOfFailure(call: FailedCall & { transient: boolean }): AttemptOutcome {
  const evidence = evidenceOf(call);
  if (evidence === "unknown") return "outcome-unknown";
  if (evidence === "made-nothing" && call.code.startsWith("Throttling")) return "throttled";
  return call.transient ? "failed-transient" : "failed-permanent";
}

/** The attempt of one failed call (a CloudApiFailure of shared/app/ports has these fields). */
export function failedAttempt(
  failure: FailedCall & { transient: boolean; message: string; requestId?: string },
  timing: { at: string; durationMs: number },
): AttemptSeen {
  return {
    ...timing,
    outcome: outcomeOfFailure(failure),
    code: failure.code,
    message: failure.message,
    ...(failure.requestId ? { requestId: failure.requestId } : {}),
    ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
    ...(failure.reachedEcs === false ? { reachedEcs: false as const } : {}),
  };
}

export function succeededAttempt(
  requestId: string | undefined,
  timing: { at: string; durationMs: number },
): AttemptSeen {
  return { ...timing, outcome: "succeeded", ...(requestId ? { requestId } : {}) };
}

/**
 * The call a worker counted (at `countedAt`) and never wrote an answer for: it ran out of time or
 * was killed, and a later worker took the record over.
 */
export function lostAttempt(countedAt: string): AttemptSeen {
  return {
    at: countedAt,
    outcome: "outcome-unknown",
    message: "The worker stopped before writing what this call got; ECS may have received it.",
  };
}

function bounded(attempt: AttemptSeen): AttemptSeen {
  const clipped: AttemptSeen = { ...attempt };
  if (clipped.code !== undefined) clipped.code = clipText(clipped.code, ATTEMPT_HISTORY_LIMITS.codeBytes);
  if (clipped.message !== undefined)
    clipped.message = clipText(clipped.message, ATTEMPT_HISTORY_LIMITS.messageBytes);
  if (clipped.requestId !== undefined)
    clipped.requestId = clipText(clipped.requestId, ATTEMPT_HISTORY_LIMITS.requestIdBytes);
  return clipped;
}

/** The history with `attempt` numbered, clipped and added last, and the oldest beyond the bound dropped. */
export function appendAttempt(history: readonly Attempt[] | undefined, attempt: AttemptSeen): Attempt[] {
  const before = history ?? [];
  const number = (before.at(-1)?.number ?? 0) + 1;
  return [...before, { number, ...bounded(attempt) }].slice(-ATTEMPT_HISTORY_LIMITS.kept);
}
