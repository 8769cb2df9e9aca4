/**
 * The OpenAPI 3.1 document, generated from the route table and the problem table so it cannot
 * drift from what the functions do. docs/openapi.json is this document; a test keeps them equal.
 */
import { LIST_LIMIT } from "../app/read-records";
import { RECORD_STATUSES } from "../domain/record";
import { BATCH_ITEMS } from "../domain/request/batch";
import { PipelineRequestBodySchema } from "../domain/request/schema";
import { MAX_COUNTED_VIOLATIONS, MAX_DETAIL_BYTES, MAX_POINTER_BYTES } from "../domain/request/violation";
import { ACCEPTED_ALGORITHMS } from "./auth";
import { MAX_LISTED_ERRORS, PROBLEMS, type ProblemKind, problemTypeUri } from "./problems";
import { RETRY_AFTER_SECONDS } from "./record-view";
import { type Operation, ROUTES, type Route } from "./routes";

type Json = Record<string, unknown>;

/** The top-level parameter names of a pipeline request, read from the valibot schema itself. */
export function pipelineRequestKeys(): string[] {
  const steps = (PipelineRequestBodySchema as unknown as { pipe?: unknown[] }).pipe ?? [];
  for (const step of steps) {
    const entries = (step as { entries?: unknown }).entries;
    if (typeof entries === "object" && entries !== null) return Object.keys(entries);
  }
  return [];
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const problemRef = ref("Problem");

/** The problems each operation can answer with, beyond those every route shares. */
const OPERATION_PROBLEMS: Record<Operation, ProblemKind[]> = {
  createPipeline: [
    "validation",
    "malformed-json",
    "invalid-idempotency-key",
    "payload-too-large",
    "unsupported-media-type",
    "idempotency-key-reused",
  ],
  createBatch: [
    "validation",
    "malformed-json",
    "invalid-idempotency-key",
    "payload-too-large",
    "unsupported-media-type",
    "idempotency-key-reused",
  ],
  cancelPipeline: ["not-found", "invalid-state"],
  getPipeline: ["not-found"],
  listPipelines: ["invalid-query"],
  getBatch: ["invalid-query", "not-found"],
};
const EVERY_ROUTE_PROBLEMS: ProblemKind[] = [
  "unauthorized",
  "insufficient-scope",
  "internal",
  "service-unavailable",
];

const retryAfter: Json = {
  description: `Seconds to wait before polling (${RETRY_AFTER_SECONDS})`,
  schema: { type: "integer" },
};

function successResponse(operation: Operation): [string, Json] {
  switch (operation) {
    case "createPipeline":
      return [
        "202",
        {
          description:
            "Accepted: stored pending and queued (or the original answer again, for a replayed key)",
          headers: {
            Location: { description: "The record", schema: { type: "string" } },
            "Retry-After": retryAfter,
            "Idempotent-Replayed": {
              description: "`true` when an earlier request with this key made the record",
              schema: { type: "string" },
            },
          },
          content: { "application/json": { schema: ref("Accepted") } },
        },
      ];
    case "cancelPipeline":
      return [
        "200",
        { description: "Cancelled", content: { "application/json": { schema: ref("Record") } } },
      ];
    case "getPipeline":
      return [
        "200",
        {
          description: "The record; Retry-After while pending or running",
          headers: { "Retry-After": retryAfter },
          content: { "application/json": { schema: ref("Record") } },
        },
      ];
    case "listPipelines":
      return [
        "200",
        {
          description: "One page, newest first",
          content: { "application/json": { schema: ref("RecordPage") } },
        },
      ];
    case "createBatch":
      return [
        "202",
        {
          description:
            "Accepted: every item stored pending and queued (or the original answer again, for a replayed key)",
          headers: {
            Location: { description: "The batch", schema: { type: "string" } },
            "Retry-After": retryAfter,
            "Idempotent-Replayed": {
              description: "`true` when an earlier request with this key made the batch",
              schema: { type: "string" },
            },
          },
          content: { "application/json": { schema: ref("BatchAccepted") } },
        },
      ];
    case "getBatch":
      return [
        "200",
        {
          description: "Counts over the whole batch and one page of items; Retry-After until done",
          headers: { "Retry-After": retryAfter },
          content: { "application/json": { schema: ref("Batch") } },
        },
      ];
  }
}

function parameters(route: Route): Json[] {
  const out: Json[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (route.operation === "createPipeline" || route.operation === "createBatch")
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: "1..64 printable ASCII characters, scoped to the caller",
      schema: { type: "string", minLength: 1, maxLength: 64 },
    });
  if (route.operation === "listPipelines" || route.operation === "getBatch")
    out.push(
      {
        name: "limit",
        in: "query",
        schema: {
          type: "integer",
          minimum: LIST_LIMIT.min,
          maximum: LIST_LIMIT.max,
          default: LIST_LIMIT.default,
        },
      },
      {
        name: "cursor",
        in: "query",
        description: "nextCursor of the previous page",
        schema: { type: "string" },
      },
      { name: "status", in: "query", schema: { type: "string", enum: [...RECORD_STATUSES] } },
    );
  if (route.operation === "listPipelines")
    out.push({ name: "batchId", in: "query", schema: { type: "string" } });
  return out;
}

function operationObject(route: Route): Json {
  const [status, success] = successResponse(route.operation);
  const responses: Json = { [status]: success };
  for (const kind of [...OPERATION_PROBLEMS[route.operation], ...EVERY_ROUTE_PROBLEMS]) {
    const code = String(PROBLEMS[kind].status);
    if (responses[code]) continue;
    const kinds = [...OPERATION_PROBLEMS[route.operation], ...EVERY_ROUTE_PROBLEMS].filter(
      (k) => PROBLEMS[k].status === PROBLEMS[kind].status,
    );
    responses[code] = {
      description: kinds.map((k) => `${PROBLEMS[k].code} (${problemTypeUri(k)})`).join("; "),
      content: { "application/problem+json": { schema: problemRef } },
    };
  }
  const body =
    route.operation === "createPipeline"
      ? ref("PipelineRequest")
      : route.operation === "createBatch"
        ? {
            type: "object",
            required: ["items"],
            properties: {
              items: {
                type: "array",
                minItems: BATCH_ITEMS.min,
                maxItems: BATCH_ITEMS.max,
                items: ref("PipelineRequest"),
              },
            },
          }
        : undefined;
  return {
    operationId: route.operation,
    summary: route.summary,
    "x-function": route.function,
    security: [{ bearer: [...route.scopes] }],
    ...(route.scopes.length > 0
      ? { description: `Needs one of the scopes: ${route.scopes.join(", ")}` }
      : {}),
    parameters: parameters(route),
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: body } },
            "x-max-bytes": route.body?.maxBytes,
            ...(route.body?.maxMembers ? { "x-max-members": route.body.maxMembers } : {}),
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly Route[] = ROUTES): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = operationObject(route);
  }
  const timestamp = { type: "string", format: "date-time" };
  return {
    openapi: "3.1.0",
    info: {
      title: "Image pipeline requests",
      version: "1.0.0",
      description:
        "Turns a CreateImagePipeline request into a tracked, retried, idempotent job. Contract: docs/http-api.md. Problem types: " +
        Object.keys(PROBLEMS)
          .map((k) => problemTypeUri(k as ProblemKind))
          .join(", "),
    },
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: `JWT (${ACCEPTED_ALGORITHMS.join(", ")}); scopes in the space-separated scope claim`,
        },
      },
      schemas: {
        PipelineRequest: {
          type: "object",
          description:
            "The CreateImagePipeline parameters with the API's own names, plus AccountId. Every constraint is checked; see docs/request-contract.md.",
          required: ["RegionId", "BaseImageType"],
          properties: Object.fromEntries(pipelineRequestKeys().map((key) => [key, {}])),
          additionalProperties: false,
        },
        Accepted: {
          type: "object",
          required: ["id", "status", "accountId", "regionId", "clientToken", "createdAt", "links"],
          properties: {
            id: { type: "string" },
            status: { type: "string", enum: [...RECORD_STATUSES] },
            accountId: { type: "string" },
            regionId: { type: "string" },
            clientToken: { type: "string" },
            createdAt: timestamp,
            links: { type: "object", properties: { self: { type: "string" } } },
            warnings: { type: "array", items: ref("Violation") },
          },
        },
        Record: {
          type: "object",
          required: [
            "id",
            "status",
            "accountId",
            "regionId",
            "batchId",
            "submittedBy",
            "clientToken",
            "attempts",
            "createdAt",
            "updatedAt",
            "request",
          ],
          properties: {
            id: { type: "string" },
            status: { type: "string", enum: [...RECORD_STATUSES] },
            accountId: { type: "string" },
            regionId: { type: "string" },
            batchId: { type: ["string", "null"] },
            submittedBy: { type: "string" },
            clientToken: { type: "string" },
            attempts: { type: "integer", minimum: 0 },
            imagePipelineId: { type: "string" },
            error: {
              type: "object",
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                requestId: { type: "string" },
                retryable: { type: "boolean" },
              },
            },
            createdAt: timestamp,
            updatedAt: timestamp,
            completedAt: timestamp,
            request: ref("PipelineRequest"),
            links: { type: "object", properties: { self: { type: "string" } } },
          },
        },
        BatchAccepted: {
          type: "object",
          required: ["id", "total", "items", "links"],
          properties: {
            id: { type: "string" },
            total: { type: "integer" },
            items: {
              type: "array",
              description: "One per item, in item order",
              items: {
                type: "object",
                required: ["id", "accountId", "regionId"],
                properties: {
                  id: { type: "string" },
                  accountId: { type: "string" },
                  regionId: { type: "string" },
                },
              },
            },
            links: { type: "object", properties: { self: { type: "string" } } },
            warnings: { type: "array", items: ref("Violation") },
          },
        },
        Batch: {
          type: "object",
          required: ["id", "total", "counts", "done", "items", "links"],
          properties: {
            id: { type: "string" },
            total: { type: "integer" },
            counts: {
              type: "object",
              required: [...RECORD_STATUSES],
              properties: Object.fromEntries(RECORD_STATUSES.map((s) => [s, { type: "integer" }])),
            },
            done: { type: "boolean", description: "Every item succeeded, failed or was cancelled" },
            items: { type: "array", items: ref("Record") },
            nextCursor: { type: "string" },
            links: { type: "object", properties: { self: { type: "string" } } },
          },
        },
        RecordPage: {
          type: "object",
          required: ["items"],
          properties: { items: { type: "array", items: ref("Record") }, nextCursor: { type: "string" } },
        },
        Violation: {
          type: "object",
          description: `One fault of the body. A pointer or detail longer than ${MAX_POINTER_BYTES} or ${MAX_DETAIL_BYTES} bytes (JSON-escaped) is cut and ends with "…".`,
          properties: { pointer: { type: "string" }, code: { type: "string" }, detail: { type: "string" } },
        },
        QueryFault: {
          type: "object",
          properties: { parameter: { type: "string" }, code: { type: "string" }, detail: { type: "string" } },
        },
        Problem: {
          type: "object",
          required: ["type", "title", "status", "code"],
          properties: {
            type: { type: "string", format: "uri" },
            title: { type: "string" },
            status: { type: "integer" },
            code: { type: "string", enum: Object.values(PROBLEMS).map((p) => p.code) },
            detail: { type: "string" },
            instance: { type: "string" },
            errors: {
              type: "array",
              maxItems: MAX_LISTED_ERRORS,
              description: `The first ${MAX_LISTED_ERRORS} faults found (Violation for a body, QueryFault for a query).`,
              items: { anyOf: [ref("Violation"), ref("QueryFault")] },
            },
            errorCount: {
              type: "integer",
              minimum: 1,
              maximum: MAX_COUNTED_VIOLATIONS,
              description: `How many faults were found, beside errors. Validation stops at the ${MAX_COUNTED_VIOLATIONS}th, so ${MAX_COUNTED_VIOLATIONS} means that many or more.`,
            },
          },
        },
      },
    },
  };
}
