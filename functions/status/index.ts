/**
 * GET /v1/pipelines/{id}, GET /v1/pipelines, GET /v1/batches/{id}.
 * Foundation stage: there is no record store yet, so every read answers 503.
 */
import middy from "@middy/core";

async function status() {
  return {
    statusCode: 503,
    headers: { "content-type": "application/problem+json" },
    body: JSON.stringify({ status: 503, title: "No records can be read yet", code: "ServiceNotReady" }),
  };
}

export const handler = middy().handler(status);
