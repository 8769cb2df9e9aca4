/**
 * POST /v1/pipelines, DELETE /v1/pipelines/{id}, POST /v1/batches (docs/http-api.md).
 * A middy chain (shared/http/http-function) plus the submit operations; everything else is wired
 * on first use from the environment (shared/composition/http, shared/composition/submit).
 */
import { httpTokenVerifier } from "../../shared/composition/http";
import { submitLogger, submitServices } from "../../shared/composition/submit";
import { createHttpFunction } from "../../shared/http/http-function";
import { submitOperations } from "../../shared/http/submit-operations";

export const handler = createHttpFunction({
  functionName: "submit",
  verifier: httpTokenVerifier,
  logger: submitLogger,
  operations: submitOperations(submitServices),
});
