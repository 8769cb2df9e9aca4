/**
 * GET /v1/pipelines/{id}, GET /v1/pipelines, GET /v1/batches/{id} (docs/http-api.md). Reads only.
 * A middy chain (shared/http/http-function) plus the status operations, wired on first use.
 */
import { withLogFields } from "../../shared/adapters/logger";
import { httpLogger, httpPorts, httpTokenVerifier } from "../../shared/composition/http";
import { createHttpFunction } from "../../shared/http/http-function";
import { statusOperations } from "../../shared/http/status-operations";

export const handler = createHttpFunction({
  functionName: "status",
  verifier: httpTokenVerifier,
  logger: withLogFields(httpLogger, { function: "status" }),
  operations: statusOperations((context) => ({ store: httpPorts(context).store })),
});
