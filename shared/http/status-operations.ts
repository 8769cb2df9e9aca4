/**
 * The operations of the status function: GET /v1/pipelines/{id}, GET /v1/pipelines, and
 * GET /v1/batches/{id}. Reads only.
 */
import { isRecordId } from "../app/ids";
import type { RecordStore } from "../app/ports";
import { readBatch } from "../app/read-batch";
import { LIST_LIMIT, ListCursorError, type ListQuery, listRecords, readRecord } from "../app/read-records";
import { ServiceError } from "../domain/errors";
import { RECORD_STATUSES, type RecordStatus } from "../domain/record";
import { clipText, MAX_POINTER_BYTES } from "../domain/request/violation";
import type { HttpInvocationContext, OperationHandler } from "./api-request";
import { jsonResponse } from "./fc-http-event";
import { FILTER_PARAMETERS, parseRecordFilters } from "./list-filters";
import { errorList, errorSummary, HttpProblem } from "./problems";
import {
  batchView,
  isUnfinished,
  RETRY_AFTER_SECONDS,
  recordDetailView,
  recordPageView,
} from "./record-view";
import { requesterOf } from "./requester-of";
import type { Operation } from "./routes";
import type { QueryFaultView } from "./views";

export interface StatusServices {
  store: RecordStore;
}

/** The code a RecordStore throws for a cursor it cannot decode (shared/adapters/tablestore/record-codec). */
export const INVALID_CURSOR_CODE = "InvalidCursor";

const invalidCursor = (detail = "cursor must be a nextCursor from a previous page"): HttpProblem =>
  new HttpProblem(
    "invalid-query",
    "1 query parameter is invalid",
    errorList([{ parameter: "cursor", code: "InvalidParameter.cursor", detail }]),
  );

export const LIST_PARAMETERS = ["limit", "cursor", "status", "batchId", ...FILTER_PARAMETERS] as const;
/** A batch's items page like the list; `status` narrows the page, never the counts. */
export const BATCH_PARAMETERS = ["limit", "cursor", "status"] as const;
const MAX_CURSOR_LENGTH = 4096;

/** A list route's query (the list's, or a batch's): every fault at once, like the body's validation. */
export function parseListQuery(
  query: Record<string, string>,
  allowed: readonly string[] = LIST_PARAMETERS,
): ListQuery {
  const faults: QueryFaultView[] = [];
  for (const name of Object.keys(query)) {
    if (!allowed.includes(name))
      faults.push({
        parameter: clipText(name, MAX_POINTER_BYTES),
        code: "InvalidParameter.UnknownKey",
        detail: `Unknown query parameter; this route takes ${allowed.join(", ")}`,
      });
  }
  let limit: number = LIST_LIMIT.default;
  if (query.limit !== undefined) {
    limit = /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= LIST_LIMIT.min && limit <= LIST_LIMIT.max))
      faults.push({
        parameter: "limit",
        code: "InvalidParameter.limit",
        detail: `limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`,
      });
  }
  const status = query.status;
  if (status !== undefined && !(RECORD_STATUSES as readonly string[]).includes(status))
    faults.push({
      parameter: "status",
      code: "InvalidParameter.status",
      detail: `status must be one of ${RECORD_STATUSES.join(", ")}`,
    });
  const cursor = query.cursor;
  if (cursor !== undefined && (cursor === "" || cursor.length > MAX_CURSOR_LENGTH))
    faults.push({
      parameter: "cursor",
      code: "InvalidParameter.cursor",
      detail: "cursor must be a nextCursor from a previous page",
    });
  const batchId = query.batchId;
  if (batchId !== undefined && !isRecordId(batchId))
    faults.push({
      parameter: "batchId",
      code: "InvalidParameter.batchId",
      detail: "batchId must be a batch id",
    });
  const filter = allowed.includes("label") ? parseRecordFilters(query, faults) : {};
  if (faults.length > 0)
    throw new HttpProblem(
      "invalid-query",
      errorSummary(faults.length, "query parameter is invalid", "query parameters are invalid"),
      errorList(faults),
    );
  return {
    limit,
    ...(cursor !== undefined ? { cursor } : {}),
    ...(status !== undefined ? { status: status as RecordStatus } : {}),
    ...(batchId !== undefined ? { batchId } : {}),
    ...filter,
  };
}

/** The store alone can tell a cursor it did not hand out; it says so with this code. */
function rethrowCursorFault(error: unknown): never {
  if (error instanceof ListCursorError)
    throw invalidCursor(
      `${error.message}: repeat the filters of the page that gave it, or start again without cursor`,
    );
  if (error instanceof ServiceError && error.code === INVALID_CURSOR_CODE) throw invalidCursor();
  throw error;
}

export function statusOperations(
  services: (context: HttpInvocationContext) => StatusServices,
): Partial<Record<Operation, OperationHandler>> {
  return {
    getPipeline: async (request, context) => {
      const id = request.params.id ?? "";
      const record = isRecordId(id)
        ? await readRecord(services(context).store, requesterOf(request.caller), id)
        : undefined;
      if (!record) throw new HttpProblem("not-found", `There is no request ${id}`);
      return jsonResponse(
        200,
        recordDetailView(record),
        isUnfinished(record.status) ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {},
      );
    },

    listPipelines: async (request, context) => {
      const query = parseListQuery(request.query);
      const page = await listRecords(services(context).store, requesterOf(request.caller), query).catch(
        rethrowCursorFault,
      );
      return jsonResponse(200, recordPageView(page));
    },

    getBatch: async (request, context) => {
      const id = request.params.id ?? "";
      const query = parseListQuery(request.query, BATCH_PARAMETERS);
      const batch = isRecordId(id)
        ? await readBatch(services(context).store, requesterOf(request.caller), id, query).catch(
            rethrowCursorFault,
          )
        : undefined;
      if (!batch) throw new HttpProblem("not-found", `There is no batch ${id}`);
      return jsonResponse(
        200,
        batchView(batch),
        batch.done ? {} : { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    },
  };
}
