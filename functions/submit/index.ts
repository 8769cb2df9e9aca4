/**
 * POST /v1/pipelines, DELETE /v1/pipelines/{id}, POST /v1/batches (docs/http-api.md).
 * A middy chain (shared/http/http-function) plus the submit operations, built once per instance;
 * everything else is wired on first use from the environment (shared/composition/submit).
 */
import { createSubmitFunction } from "../../shared/composition/submit";

export const handler = createSubmitFunction();
