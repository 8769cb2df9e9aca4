/**
 * Validation without storing (docs/http-api.md, "Validation without storing"): the checks of
 * accepting a request or a batch (./accept-request, ./accept-batch) that depend on the body alone,
 * and the request as the worker would send it. No store, no queue, no clock: nothing is written,
 * read, queued or reserved, so an Idempotency-Key or ClientToken is not consumed either.
 *
 * What it cannot say, because it depends on what is stored when the request is submitted: whether
 * an Idempotency-Key or ClientToken was already used with another body (422 on submit) or, in a
 * batch, whether an item's ClientToken is held by an earlier request (`ClientTokenAlreadyUsed`).
 */
import { validateBatchRequest } from "../domain/request/batch";
import type { Labels } from "../domain/request/labels";
import type { PipelineRequest } from "../domain/request/normalize";
import { validatePipelineRequest } from "../domain/request/validate";
import type { Violation, Warning } from "../domain/request/violation";
import { duplicateClientTokens } from "./accept-batch";
import { splitAccount } from "./accept-request";
import { callerClientToken } from "./ids";
import type { Requester } from "./requester";

export interface ValidateDependencies {
  /** The account pipelines are created in when the request names none. */
  serviceAccountId: string;
}

export interface ValidateInput {
  requester: Requester;
  body: unknown;
}

/** One request as it would be stored and sent to ECS. */
export interface PlannedRequest {
  accountId: string;
  regionId: string;
  /** The request as stored (without AccountId), deprecated names moved to their replacements. */
  request: PipelineRequest;
  /**
   * The ClientToken ECS would get, when the caller sent one (scoped to the caller, ids.ts). Without
   * one it is the record id, which exists only once the request is accepted.
   */
  clientToken?: string;
  /** The caller's labels as they would be stored (a batch's merged into each item); absent when none. */
  labels?: Labels;
}

export type ValidateOutcome =
  | { kind: "valid"; planned: PlannedRequest; warnings: Warning[] }
  | { kind: "invalid"; violations: Violation[] };

export type ValidateBatchOutcome =
  | { kind: "valid"; items: PlannedRequest[]; warnings: Warning[] }
  | { kind: "invalid"; violations: Violation[] };

function plan(
  validated: PipelineRequest,
  labels: Labels | undefined,
  deps: ValidateDependencies,
  requester: Requester,
): PlannedRequest {
  const { accountId, request } = splitAccount(validated, deps.serviceAccountId);
  return {
    accountId,
    regionId: request.RegionId,
    request,
    ...(request.ClientToken !== undefined
      ? { clientToken: callerClientToken(requester.sub, request.ClientToken) }
      : {}),
    ...(labels ? { labels } : {}),
  };
}

/** The checks of POST /v1/pipelines, without storing. */
export function validateRequestOnly(deps: ValidateDependencies, input: ValidateInput): ValidateOutcome {
  const validation = validatePipelineRequest(input.body);
  if (!validation.ok) return { kind: "invalid", violations: validation.violations };
  return {
    kind: "valid",
    planned: plan(validation.request, validation.labels, deps, input.requester),
    warnings: validation.warnings,
  };
}

/** The checks of POST /v1/batches, without storing: every item, and no ClientToken twice. */
export function validateBatchOnly(deps: ValidateDependencies, input: ValidateInput): ValidateBatchOutcome {
  const validation = validateBatchRequest(input.body);
  if (!validation.ok) return { kind: "invalid", violations: validation.violations };
  const duplicates = duplicateClientTokens(validation.items.map((item) => item.ClientToken));
  if (duplicates.length > 0) return { kind: "invalid", violations: duplicates };
  return {
    kind: "valid",
    items: validation.items.map((item, i) => plan(item, validation.labels[i], deps, input.requester)),
    warnings: validation.warnings,
  };
}
