/**
 * GET /v1/pipelines/{id}, GET /v1/pipelines, GET /v1/batches/{id} (docs/http-api.md). Reads only.
 * A middy chain (shared/http/http-function) plus the status operations, built once per instance
 * and wired on first use from the environment (shared/composition/status). It also serves the web
 * console's files (GET / and /console/*, docs/console.md), read from disk only when asked for.
 */
import { createStatusFunction } from "../../shared/composition/status";

export const handler = createStatusFunction();
