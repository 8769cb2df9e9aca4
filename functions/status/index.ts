/**
 * GET /v1/pipelines/{id}, GET /v1/pipelines, GET /v1/batches/{id} (docs/http-api.md). Reads only.
 * A middy chain (shared/http/http-function) plus the status operations, wired on first use
 * (shared/composition/http, shared/composition/status). It also serves the web console's files
 * (GET / and /console/*, docs/console.md), read from disk only when asked for.
 */
import { httpTokenVerifier } from "../../shared/composition/http";
import { consoleDirectory, statusLogger, statusServices } from "../../shared/composition/status";
import { consolePages } from "../../shared/http/console-pages";
import { createHttpFunction } from "../../shared/http/http-function";
import { statusOperations } from "../../shared/http/status-operations";

export const handler = createHttpFunction({
  functionName: "status",
  verifier: httpTokenVerifier,
  logger: statusLogger,
  operations: statusOperations(statusServices),
  pages: consolePages({ directory: consoleDirectory }),
});
