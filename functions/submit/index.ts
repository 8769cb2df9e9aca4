/**
 * POST /v1/pipelines, POST /v1/batches, DELETE /v1/pipelines/{id}.
 *
 * Foundation stage: the request contract answers already (400 with every violation), but nothing is
 * stored or queued yet, so a valid request gets 503. The record store, queue and HTTP layer replace
 * this body (issue "The service end to end").
 */
import middy from "@middy/core";
import { validatePipelineRequest } from "../../shared/domain/request/validate";

interface FcHttpEvent {
  body?: string;
  isBase64Encoded?: boolean;
}

const problem = (status: number, body: Record<string, unknown>) => ({
  statusCode: status,
  headers: { "content-type": "application/problem+json" },
  body: JSON.stringify({ status, ...body }),
});

async function submit(event: Buffer | FcHttpEvent) {
  const http: FcHttpEvent = Buffer.isBuffer(event) ? JSON.parse(event.toString("utf8")) : event;
  const raw = http.isBase64Encoded
    ? Buffer.from(http.body ?? "", "base64").toString("utf8")
    : (http.body ?? "");
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return problem(400, { title: "The body is not valid JSON", code: "MalformedJSON" });
  }
  const result = validatePipelineRequest(body);
  if (!result.ok) {
    return problem(400, {
      title: "The request is not a valid CreateImagePipeline request",
      detail: `${result.violations.length} parameters are invalid`,
      errors: result.violations,
    });
  }
  return problem(503, { title: "Requests are validated but not yet stored", code: "ServiceNotReady" });
}

export const handler = middy<Buffer | FcHttpEvent, ReturnType<typeof problem>>().handler(submit);
