/**
 * POST /v1/pipelines, DELETE /v1/pipelines/{id}, POST /v1/batches (docs/http-api.md).
 * A middy chain (shared/http/http-function) plus the submit operations; everything else is wired
 * on first use from the environment (shared/composition/http, shared/composition/submit).
 */
import { withLogFields } from "../../shared/adapters/logger";
import { httpLogger, httpPorts, httpTokenVerifier } from "../../shared/composition/http";
import { submitSenders } from "../../shared/composition/submit";
import { createHttpFunction } from "../../shared/http/http-function";
import { submitOperations } from "../../shared/http/submit-operations";

export const handler = createHttpFunction({
  functionName: "submit",
  verifier: httpTokenVerifier,
  logger: withLogFields(httpLogger, { function: "submit" }),
  operations: submitOperations((context) => {
    const { store, clock, config } = httpPorts(context);
    const logger = withLogFields(httpLogger, { function: "submit", requestId: context.requestId });
    const { queue, publisher } = submitSenders(context);
    return {
      accept: { store, queue, clock, logger, serviceAccountId: config.serviceAccountId },
      cancel: { store, clock, logger, ...(publisher ? { publisher } : {}) },
    };
  }),
});
