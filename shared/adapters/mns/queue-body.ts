/**
 * The queue-body codec: base64 of the UTF-8 JSON. `@alicloud/mns` puts bodies into its XML raw
 * (no escaping), so `<`, `&` or `]]>` in a body would make the request malformed; base64 is also what
 * the MNS docs recommend and what the FC queue trigger undoes with `IsBase64Decode: true`
 * (docs/cloud-facts.md, "MNS" and "MNS trigger events").
 */
import { ServiceError } from "../../domain/errors";

/** A queue body that is not base64 of UTF-8 JSON: reading it again cannot help. */
export class QueueBodyError extends ServiceError {
  override readonly name = "QueueBodyError";
  declare readonly code: "InvalidQueueBody";
  constructor(message: string) {
    super("InvalidQueueBody", message, { transient: false });
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeQueueBody(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new QueueBodyError(`a ${typeof value} has no JSON form`);
  return Buffer.from(json, "utf8").toString("base64");
}

/** The JSON value a body holds; a {@link QueueBodyError} says which layer of the encoding is broken. */
export function decodeQueueBody(body: string): unknown {
  const trimmed = body.trim();
  if (trimmed === "" || !BASE64.test(trimmed)) {
    throw new QueueBodyError(`the queue body is not base64: ${JSON.stringify(body.slice(0, 40))}`);
  }
  let json: string;
  try {
    json = utf8.decode(Buffer.from(trimmed, "base64"));
  } catch {
    throw new QueueBodyError("the queue body's base64 does not decode to UTF-8 text");
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new QueueBodyError(`the queue body does not hold JSON: ${JSON.stringify(json.slice(0, 40))}`);
  }
}

/** The record id a request-queue body names: the body is {@link encodeQueueBody} of `{"id": "..."}`. */
export function recordIdOfBody(body: string): string {
  const value = decodeQueueBody(body);
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof value !== "object" || value === null || typeof id !== "string" || id === "") {
    throw new QueueBodyError('the queue body is not {"id": "<record id>"}');
  }
  return id;
}
