/**
 * The operations of the submit function: POST /v1/pipelines, DELETE /v1/pipelines/{id},
 * POST /v1/batches, and their validation without storing (POST /v1/pipelines:validate and
 * /v1/batches:validate). Each turns an authorized request into one use-case call and the use case's
 * outcome into a response.
 */
import { acceptBatch } from "../app/accept-batch";
import {
  type AcceptDependencies,
  type AcceptOutcome,
  acceptPipelineRequest,
  type IdempotencySource,
  isIdempotencyKey,
} from "../app/accept-request";
import { type CancelDependencies, cancelRequest } from "../app/cancel-request";
import { isRecordId } from "../app/ids";
import {
  type PlannedRequest,
  type ValidateDependencies,
  validateBatchOnly,
  validateRequestOnly,
} from "../app/validate-request";
import { MAX_COUNTED_VIOLATIONS, type Violation, type Warning } from "../domain/request/violation";
import type { AuthorizedRequest, HttpInvocationContext, OperationHandler } from "./api-request";
import { jsonResponse } from "./fc-http-event";
import { errorList, errorSummary, HttpProblem } from "./problems";
import {
  acceptedBatchView,
  acceptedView,
  batchPath,
  RETRY_AFTER_SECONDS,
  recordPath,
  recordView,
} from "./record-view";
import { requesterOf } from "./requester-of";
import { batchBodyLimit, type Operation } from "./routes";
import type { BatchValidatedView, ValidatedView } from "./views";

export interface SubmitServices {
  accept: AcceptDependencies;
  cancel: CancelDependencies;
  validate: ValidateDependencies;
}

/** The Idempotency-Key header; a quoted sf-string (the IETF draft's form) counts as its content. */
export function idempotencyKeyOf(request: AuthorizedRequest): string | undefined {
  const raw = request.headers["idempotency-key"];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^"[^"]*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (!isIdempotencyKey(key)) throw new HttpProblem("invalid-idempotency-key");
  return key;
}

/** At most MAX_LISTED_ERRORS violations and their count (validation itself stops at MAX_COUNTED_VIOLATIONS). */
const invalid = (violations: Violation[]): HttpProblem =>
  new HttpProblem(
    "validation",
    errorSummary(violations.length, "parameter is invalid", "parameters are invalid", MAX_COUNTED_VIOLATIONS),
    errorList(violations),
  );

/** What single requests and batches are refused for alike. */
type AcceptRefusal = Exclude<AcceptOutcome, { kind: "accepted" }>;

/**
 * A refusal as its problem, or 202 Accepted (docs/http-api.md): the body, where to poll, when,
 * and whether it is a replay.
 */
function answerAcceptance<Accepted extends { kind: "accepted"; replayed: boolean }>(
  outcome: Accepted | AcceptRefusal,
  view: (accepted: Accepted) => { body: unknown; location: string },
) {
  if (outcome.kind === "invalid") throw invalid(outcome.violations);
  if (outcome.kind === "idempotency-key-reused") throw keyReused(outcome.source);
  const { body, location } = view(outcome);
  return jsonResponse(202, body, {
    location,
    "retry-after": String(RETRY_AFTER_SECONDS),
    ...(outcome.replayed ? { "idempotent-replayed": "true" } : {}),
  });
}

const keyReused = (source: IdempotencySource): HttpProblem =>
  new HttpProblem(
    "idempotency-key-reused",
    `This ${source} was used before with a different request body; use a new ${source} for a new request`,
    { source },
  );

/** A batch body may be as large as its item count allows (routes.batchBodyLimit), no larger. */
function assertBatchBodyFits(request: AuthorizedRequest): void {
  const items = (request.json as { items?: unknown } | null)?.items;
  const maxBytes = batchBodyLimit(Array.isArray(items) ? items.length : 1);
  if (request.body.length > maxBytes)
    throw new HttpProblem(
      "payload-too-large",
      `The body is ${request.body.length} bytes; a batch of ${Array.isArray(items) ? items.length : 0} items takes at most ${maxBytes}`,
      { maxBytes },
    );
}

const plannedView = ({ accountId, regionId, request, clientToken, labels }: PlannedRequest) => ({
  accountId,
  regionId,
  request,
  ...(clientToken !== undefined ? { clientToken } : {}),
  ...(labels ? { labels } : {}),
});
const warningsOf = (warnings: Warning[]) => (warnings.length > 0 ? { warnings } : {});

/**
 * Validation answers 200 or the problem submission would answer for the same body. The
 * Idempotency-Key header is checked as submission checks it (so a malformed one gets the same
 * 400) and otherwise ignored: it is neither looked up nor reserved (docs/http-api.md).
 */
const validationOperations = (
  services: (context: HttpInvocationContext) => SubmitServices,
): Partial<Record<Operation, OperationHandler>> => ({
  validatePipeline: async (request, context) => {
    idempotencyKeyOf(request);
    const outcome = validateRequestOnly(services(context).validate, {
      requester: requesterOf(request.caller),
      body: request.json,
    });
    if (outcome.kind === "invalid") throw invalid(outcome.violations);
    const view: ValidatedView = {
      valid: true,
      ...plannedView(outcome.planned),
      ...warningsOf(outcome.warnings),
    };
    return jsonResponse(200, view);
  },

  validateBatch: async (request, context) => {
    assertBatchBodyFits(request);
    idempotencyKeyOf(request);
    const outcome = validateBatchOnly(services(context).validate, {
      requester: requesterOf(request.caller),
      body: request.json,
    });
    if (outcome.kind === "invalid") throw invalid(outcome.violations);
    const view: BatchValidatedView = {
      valid: true,
      total: outcome.items.length,
      items: outcome.items.map(plannedView),
      ...warningsOf(outcome.warnings),
    };
    return jsonResponse(200, view);
  },
});

export function submitOperations(
  services: (context: HttpInvocationContext) => SubmitServices,
): Partial<Record<Operation, OperationHandler>> {
  return {
    createPipeline: async (request, context) => {
      const outcome = await acceptPipelineRequest(services(context).accept, {
        requester: requesterOf(request.caller),
        body: request.json,
        idempotencyKey: idempotencyKeyOf(request),
      });
      return answerAcceptance(outcome, (done) => ({
        body: acceptedView(done.record, done.warnings),
        location: recordPath(done.record.id),
      }));
    },

    cancelPipeline: async (request, context) => {
      const id = request.params.id ?? "";
      const notFound = new HttpProblem("not-found", `There is no request ${id}`);
      if (!isRecordId(id)) throw notFound;
      const outcome = await cancelRequest(services(context).cancel, requesterOf(request.caller), id);
      switch (outcome.kind) {
        case "not-found":
          throw notFound;
        case "conflict":
          throw new HttpProblem(
            "invalid-state",
            `Only a pending request can be cancelled; this one is ${outcome.record.status}`,
            { recordStatus: outcome.record.status, record: recordView(outcome.record) },
          );
        case "cancelled":
          return jsonResponse(200, recordView(outcome.record));
      }
    },

    createBatch: async (request, context) => {
      assertBatchBodyFits(request);
      const outcome = await acceptBatch(services(context).accept, {
        requester: requesterOf(request.caller),
        body: request.json,
        idempotencyKey: idempotencyKeyOf(request),
      });
      return answerAcceptance(outcome, (done) => ({
        body: acceptedBatchView(done.batchId, done.items, done.warnings),
        location: batchPath(done.batchId),
      }));
    },

    ...validationOperations(services),
  };
}
