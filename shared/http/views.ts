/**
 * Every body the HTTP API answers with, once: a valibot schema per view, and its type inferred from
 * it. The functions build these types (record-view.ts), the batch CLI and the tests read them, and
 * the OpenAPI document's schemas are generated from these schemas (openapi-schemas.ts), so the
 * three cannot drift apart.
 *
 * The functions import only the types (`import type`): no schema here runs or is bundled in a
 * function. Objects are `v.object`, open to members a later version adds.
 */
import * as v from "valibot";
import { ATTEMPT_HISTORY_LIMITS, ATTEMPT_OUTCOMES } from "../domain/attempt-history";
import { RECORD_STATUSES } from "../domain/record";
import { BATCH_ITEMS } from "../domain/request/batch";
import {
  LABEL_KEY_PATTERN,
  LABEL_KEY_RULE,
  LABEL_VALUE_MAX_CHARACTERS,
  LABEL_VALUE_PATTERN,
  LABEL_VALUE_RULE,
  MAX_LABELS,
} from "../domain/request/labels";
import { PipelineRequestBodySchema } from "../domain/request/schema";
import { MAX_COUNTED_VIOLATIONS, MAX_DETAIL_BYTES, MAX_POINTER_BYTES } from "../domain/request/violation";
import { MAX_LISTED_ERRORS, PROBLEMS } from "./problems";

const StatusSchema = v.picklist(RECORD_STATUSES);
const TimestampSchema = v.pipe(v.string(), v.isoTimestamp());
const LinksSchema = v.object({ self: v.string() });
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** The caller's labels (shared/domain/request/labels): ours, never sent to ECS. */
export const LabelsSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.regex(LABEL_KEY_PATTERN)),
    v.pipe(v.string(), v.maxLength(LABEL_VALUE_MAX_CHARACTERS), v.regex(LABEL_VALUE_PATTERN)),
  ),
  v.maxEntries(MAX_LABELS),
  v.description(
    `The caller's own metadata, at most ${MAX_LABELS} keys; a key is ${LABEL_KEY_RULE}; a value is ${LABEL_VALUE_RULE}. Stored on the record, returned and carried in completion events; never sent to ECS (Tag is the API's own parameter). See docs/request-contract.md, "Labels".`,
  ),
);

/** The closed object of the request schema (its pipe's last step), which the body view extends with `labels`. */
type RequestEntries = (typeof PipelineRequestBodySchema)["pipe"][2]["entries"];
const requestEntries = (): RequestEntries => PipelineRequestBodySchema.pipe[2].entries;

/** The request as the caller sent it, with every constraint a JSON Schema can state. */
export const PipelineRequestSchema = v.pipe(
  v.object({ ...requestEntries(), labels: v.optional(LabelsSchema) }),
  v.description(
    "The CreateImagePipeline parameters with the API's own names, plus AccountId and our own labels (neither is sent to ECS as such; a stored record's request has neither). Byte lengths and cross-field rules are checked too but have no JSON Schema form; see docs/request-contract.md.",
  ),
);

/** The body of POST /v1/batches. */
export const BatchRequestSchema = v.object({
  items: v.pipe(v.array(PipelineRequestSchema), v.minLength(BATCH_ITEMS.min), v.maxLength(BATCH_ITEMS.max)),
  labels: v.optional(
    v.pipe(
      LabelsSchema,
      v.description("Inherited by every item; where an item names the same key, its own value wins"),
    ),
  ),
});

export const ViolationSchema = v.pipe(
  v.object({ pointer: v.string(), code: v.string(), detail: v.string() }),
  v.description(
    `One fault of the body. A pointer or detail longer than ${MAX_POINTER_BYTES} or ${MAX_DETAIL_BYTES} bytes (JSON-escaped) is cut and ends with "…".`,
  ),
);

export const QueryFaultSchema = v.object({ parameter: v.string(), code: v.string(), detail: v.string() });

const RecordErrorSchema = v.object({
  code: v.string(),
  message: v.string(),
  requestId: v.optional(v.string()),
  retryable: v.boolean(),
});

/** POST /v1/pipelines, 202. */
export const AcceptedSchema = v.object({
  id: v.string(),
  status: StatusSchema,
  accountId: v.string(),
  regionId: v.string(),
  clientToken: v.string(),
  createdAt: TimestampSchema,
  links: LinksSchema,
  warnings: v.optional(v.array(ViolationSchema)),
});

/** GET /v1/pipelines/{id}, and each item of a page. */
export const RecordSchema = v.object({
  id: v.string(),
  status: StatusSchema,
  accountId: v.string(),
  regionId: v.string(),
  batchId: v.nullable(v.string()),
  submittedBy: v.string(),
  clientToken: v.string(),
  attempts: count,
  imagePipelineId: v.optional(v.string()),
  error: v.optional(RecordErrorSchema),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
  completedAt: v.optional(TimestampSchema),
  labels: LabelsSchema,
  request: PipelineRequestSchema,
  links: LinksSchema,
});

/** One attempt of a record's history (shared/domain/attempt-history; docs/processing.md). */
export const AttemptSchema = v.object({
  number: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(1),
    v.description("1, 2, ... over the record's life; older attempts beyond the kept ones are dropped"),
  ),
  at: v.pipe(TimestampSchema, v.description("When the call started")),
  durationMs: v.optional(
    v.pipe(count, v.description("Absent when nobody saw the call end (its worker stopped during it)")),
  ),
  outcome: v.picklist(ATTEMPT_OUTCOMES),
  code: v.optional(v.pipe(v.string(), v.description("The ECS code, or STS's when reachedEcs is false"))),
  message: v.optional(v.string()),
  requestId: v.optional(
    v.pipe(v.string(), v.description("The answer's RequestId: ECS's, or STS's when reachedEcs is false")),
  ),
  httpStatus: v.optional(v.pipe(v.number(), v.integer())),
  reachedEcs: v.optional(
    v.pipe(
      v.literal(false),
      v.description("Present when the attempt ended before CreateImagePipeline was sent (STS refused)"),
    ),
  ),
});

/** GET /v1/pipelines/{id}: the record with its attempt history (lists leave the history out). */
export const RecordDetailSchema = v.object({
  ...RecordSchema.entries,
  attemptHistory: v.pipe(
    v.array(AttemptSchema),
    v.maxLength(ATTEMPT_HISTORY_LIMITS.kept),
    v.description(
      `The latest ${ATTEMPT_HISTORY_LIMITS.kept} attempts, oldest first; empty before the first one`,
    ),
  ),
});

/** GET /v1/pipelines: one page, newest first. */
export const RecordPageSchema = v.object({
  items: v.array(RecordSchema),
  nextCursor: v.optional(v.string()),
});

/** POST /v1/batches, 202: each item's record id, in item order. */
export const BatchAcceptedSchema = v.object({
  id: v.string(),
  total: count,
  items: v.pipe(
    v.array(v.object({ id: v.string(), accountId: v.string(), regionId: v.string() })),
    v.description("One per item, in item order"),
  ),
  links: LinksSchema,
  warnings: v.optional(v.array(ViolationSchema)),
});

/** GET /v1/batches/{id}: counts over the whole batch, one page of items. */
export const BatchSchema = v.object({
  id: v.string(),
  total: count,
  counts: v.object({
    pending: count,
    running: count,
    succeeded: count,
    failed: count,
    cancelled: count,
  } satisfies Record<(typeof RECORD_STATUSES)[number], typeof count>),
  done: v.pipe(v.boolean(), v.description("Every item succeeded, failed or was cancelled")),
  items: v.array(RecordSchema),
  nextCursor: v.optional(v.string()),
  links: LinksSchema,
});

/** One request as POST /v1/pipelines:validate or an item of POST /v1/batches:validate shows it. */
const PlannedRequestSchema = v.object({
  accountId: v.string(),
  regionId: v.string(),
  request: v.pipe(
    PipelineRequestSchema,
    v.description(
      "The request as it would be stored and sent to ECS: without AccountId, deprecated parameters moved to their replacements",
    ),
  ),
  clientToken: v.optional(
    v.pipe(
      v.string(),
      v.description(
        "The ClientToken ECS would get, when the request has one (scoped to the caller); without one, the record id given on submission",
      ),
    ),
  ),
  labels: v.optional(
    v.pipe(
      LabelsSchema,
      v.description("The labels as they would be stored (a batch's merged in); absent when none"),
    ),
  ),
});

/** POST /v1/pipelines:validate, 200: nothing was stored or queued. */
export const ValidatedSchema = v.object({
  valid: v.literal(true),
  ...PlannedRequestSchema.entries,
  warnings: v.optional(v.array(ViolationSchema)),
});

/** POST /v1/batches:validate, 200: each item as it would be sent, in item order; nothing stored. */
export const BatchValidatedSchema = v.object({
  valid: v.literal(true),
  total: count,
  items: v.pipe(v.array(PlannedRequestSchema), v.description("One per item, in item order")),
  warnings: v.optional(v.array(ViolationSchema)),
});

const PROBLEM_CODES = Object.values(PROBLEMS).map((p) => p.code);

/** Every error answer (RFC 9457 `application/problem+json`). */
export const ProblemSchema = v.object({
  type: v.pipe(v.string(), v.url()),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  code: v.picklist(PROBLEM_CODES),
  detail: v.optional(v.string()),
  instance: v.optional(v.string()),
  errors: v.optional(
    v.pipe(
      v.array(v.union([ViolationSchema, QueryFaultSchema])),
      v.maxLength(MAX_LISTED_ERRORS),
      v.description(
        `The first ${MAX_LISTED_ERRORS} faults found (Violation for a body, QueryFault for a query).`,
      ),
    ),
  ),
  errorCount: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(MAX_COUNTED_VIOLATIONS),
      v.description(
        `How many faults were found, beside errors. Validation stops at the ${MAX_COUNTED_VIOLATIONS}th, so ${MAX_COUNTED_VIOLATIONS} means that many or more.`,
      ),
    ),
  ),
});

/** The named schemas of the OpenAPI document, `#/components/schemas/<name>`. */
export const VIEW_SCHEMAS = {
  PipelineRequest: PipelineRequestSchema,
  BatchRequest: BatchRequestSchema,
  Accepted: AcceptedSchema,
  Record: RecordSchema,
  RecordDetail: RecordDetailSchema,
  Attempt: AttemptSchema,
  RecordPage: RecordPageSchema,
  BatchAccepted: BatchAcceptedSchema,
  Batch: BatchSchema,
  Validated: ValidatedSchema,
  BatchValidated: BatchValidatedSchema,
  Labels: LabelsSchema,
  Violation: ViolationSchema,
  QueryFault: QueryFaultSchema,
  Problem: ProblemSchema,
};

export type PipelineRequestView = v.InferOutput<typeof PipelineRequestSchema>;
export type ViolationView = v.InferOutput<typeof ViolationSchema>;
export type QueryFaultView = v.InferOutput<typeof QueryFaultSchema>;
export type AcceptedView = v.InferOutput<typeof AcceptedSchema>;
export type RecordView = v.InferOutput<typeof RecordSchema>;
export type AttemptView = v.InferOutput<typeof AttemptSchema>;
export type RecordDetailView = v.InferOutput<typeof RecordDetailSchema>;
export type RecordPageView = v.InferOutput<typeof RecordPageSchema>;
export type BatchAcceptedView = v.InferOutput<typeof BatchAcceptedSchema>;
export type BatchView = v.InferOutput<typeof BatchSchema>;
export type ValidatedView = v.InferOutput<typeof ValidatedSchema>;
export type BatchValidatedView = v.InferOutput<typeof BatchValidatedSchema>;
/** A problem; extensions (e.g. `recordStatus`) beside the members every problem has. */
export type ProblemView = v.InferOutput<typeof ProblemSchema> & { [extension: string]: unknown };
