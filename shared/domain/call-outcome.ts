/**
 * What one failed CreateImagePipeline call tells about the record's ClientToken (the no-false-failed
 * rule, docs/processing.md). ECS keeps one result per token: a repeat of a call that made a pipeline
 * is answered with that pipeline's id, and a call that failed leaves the token free (ECS's
 * idempotence page; a failed create is retried "with a new token once the cause is fixed"). So:
 *
 * - `made-nothing`: this call did no work (it never reached ECS, or the gateway throttled it), and
 *   says nothing about earlier calls;
 * - `token-free`: ECS looked at the token and answered with an error: no pipeline holds it, whatever
 *   earlier calls did (had one made a pipeline, this answer would have been its id);
 * - `unknown`: no answer, a 5xx, an unreadable answer, or an earlier call with the token is still
 *   being processed (`LastTokenProcessing`): ECS may hold a pipeline for the token.
 */

export type CallEvidence = "made-nothing" | "token-free" | "unknown";

export interface FailedCall {
  code: string;
  /** Absent when no HTTP answer arrived. */
  httpStatus?: number;
  /** False when the failure happened before the call was sent (credentials, request mapping). */
  reachedEcs?: boolean;
}

/** Codes that mean an earlier call with the same token may hold or be making a pipeline. */
const TOKEN_IN_USE = new Set(["LastTokenProcessing", "IdempotentParameterMismatch"]);

export function evidenceOf(call: FailedCall): CallEvidence {
  if (call.reachedEcs === false) return "made-nothing";
  if (call.httpStatus === undefined || call.httpStatus >= 500) return "unknown";
  if (call.code.startsWith("Throttling")) return "made-nothing";
  if (TOKEN_IN_USE.has(call.code)) return "unknown";
  if (call.httpStatus === 200) return "unknown"; // an answer without a pipeline id
  return "token-free";
}

/** Whether ECS may hold a pipeline for the token after this call, given what was unknown before it. */
export function outcomeUnknownAfter(unknownBefore: boolean, call: FailedCall): boolean {
  const evidence = evidenceOf(call);
  if (evidence === "token-free") return false;
  if (evidence === "unknown") return true;
  return unknownBefore;
}
