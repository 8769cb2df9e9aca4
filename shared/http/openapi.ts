/**
 * The OpenAPI 3.1 document, generated from the route table, the problem table and the view schemas
 * (./views) so it cannot drift from what the functions do. docs/openapi.json is this document
 * (`npm run openapi` writes it); a test keeps them equal.
 */
import { LIST_LIMIT } from "../app/read-records";
import { RECORD_STATUSES } from "../domain/record";
import { ACCOUNT_ID_PATTERN, REGION_ID_PATTERN } from "../domain/request/constraints";
import { MAX_LABELS } from "../domain/request/labels";
import { PipelineRequestBodySchema } from "../domain/request/schema";
import { ACCEPTED_ALGORITHMS } from "./auth";
import { PROBLEMS, type ProblemKind, problemTypeUri } from "./problems";
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
  // Submission's problems but the 422: nothing is looked up, so no key can have been used before.
  validatePipeline: [
    "validation",
    "malformed-json",
    "invalid-idempotency-key",
    "payload-too-large",
    "unsupported-media-type",
  ],
  validateBatch: [
    "validation",
    "malformed-json",
    "invalid-idempotency-key",
    "payload-too-large",
    "unsupported-media-type",
  ],
  cancelPipeline: ["not-found", "invalid-state"],
  getPipeline: ["not-found"],
  listPipelines: ["invalid-query"],
  getBatch: ["invalid-query", "not-found"],
};
/** The request body schema of each operation that takes one. */
const REQUEST_BODIES: Partial<Record<Operation, Json>> = {
  createPipeline: ref("PipelineRequest"),
  validatePipeline: ref("PipelineRequest"),
  createBatch: ref("BatchRequest"),
  validateBatch: ref("BatchRequest"),
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
          description: "The record with its attempt history; Retry-After while pending or running",
          headers: { "Retry-After": retryAfter },
          content: { "application/json": { schema: ref("RecordDetail") } },
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
    case "validatePipeline":
      return [
        "200",
        {
          description:
            "Valid: the request as it would be stored and sent. Nothing was stored or queued; no key was used",
          content: { "application/json": { schema: ref("Validated") } },
        },
      ];
    case "validateBatch":
      return [
        "200",
        {
          description:
            "Valid: every item as it would be stored and sent. Nothing was stored or queued; no key was used",
          content: { "application/json": { schema: ref("BatchValidated") } },
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
  if (route.operation === "validatePipeline" || route.operation === "validateBatch")
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Checked for its form as on submission, then ignored: neither looked up nor reserved, so the submit that follows is its first use",
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
  if (route.operation === "listPipelines") out.push(...LIST_FILTER_PARAMETERS);
  return out;
}

/** The filters of GET /v1/pipelines (./list-filters); combined, every one must hold. */
const LIST_FILTER_PARAMETERS: Json[] = [
  {
    name: "batchId",
    in: "query",
    description: "Only this batch's records, in submission order",
    schema: { type: "string" },
  },
  { name: "accountId", in: "query", schema: { type: "string", pattern: ACCOUNT_ID_PATTERN.source } },
  { name: "regionId", in: "query", schema: { type: "string", pattern: REGION_ID_PATTERN.source } },
  {
    name: "label",
    in: "query",
    description: `key:value, repeatable (or comma-separated), at most ${MAX_LABELS}: records with every one of these labels`,
    style: "form",
    explode: true,
    schema: {
      type: "array",
      maxItems: MAX_LABELS,
      items: { type: "string", pattern: "^[a-z][a-z0-9_./-]{0,63}:" },
    },
  },
  {
    name: "createdAfter",
    in: "query",
    description: "RFC 3339; records created at or after it",
    schema: { type: "string", format: "date-time" },
  },
  {
    name: "createdBefore",
    in: "query",
    description: "RFC 3339; records created before it (later than createdAfter)",
    schema: { type: "string", format: "date-time" },
  },
];

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
  const body = REQUEST_BODIES[route.operation];
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

/**
 * Where the API is served. Deployed with s.domain.yaml, one custom domain routes every path and
 * method to its function (docs/deploy.md, "One API host"); deployed with s.yaml alone, each HTTP
 * function has its own trigger URL, so a client must pick the one that serves each operation.
 * `npm start` serves all of them on one port.
 */
const SERVERS: Json[] = [
  {
    url: "https://{customDomain}",
    description: "One API host: the custom domain of s.domain.yaml (CUSTOM_DOMAIN)",
    variables: { customDomain: { default: "api.example.com" } },
  },
  { url: "http://127.0.0.1:9000", description: "The local stack (npm start; PORT to change)" },
];

/**
 * The document around `componentSchemas`, the JSON Schemas of shared/http/views.ts by name
 * (scripts/openapi.ts converts them; the conversion stays out of the functions' bundles).
 */
export function buildOpenApiDocument(
  componentSchemas: Record<string, Json>,
  routes: readonly Route[] = ROUTES,
): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = operationObject(route);
  }
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
    servers: SERVERS,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: `JWT (${ACCEPTED_ALGORITHMS.join(", ")}); scopes in the space-separated scope claim`,
        },
      },
      schemas: componentSchemas,
    },
  };
}
