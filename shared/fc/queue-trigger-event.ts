/**
 * Every event form an MNS trigger can hand the worker (docs/cloud-facts.md, "MNS trigger events"), read into one list of
 * message bodies exactly as delivered:
 *
 * - queue trigger, event-streaming, CloudEvents schema: a JSON array of CloudEvents whose
 *   `data.messageBody` is the body;
 * - queue trigger, RawData schema: a JSON array of `{requestId, messageId, messageBody}`;
 * - queue trigger, event-driven: one CloudEvent object;
 * - topic trigger, JSON format: `{TopicOwner, Message, MessageId, ...}`;
 * - topic trigger, STREAM format: the raw body bytes, or `{body, attrs}` when the message has
 *   attributes.
 *
 * An event whose outer shape cannot be read at all is a {@link TriggerEventError}. Inside a batch,
 * an entry that cannot be read is reported on its own, so one bad message never fails the others.
 */

import { ServiceError } from "../domain/errors";

export interface TriggerMessage {
  /** Absent in the topic STREAM form, which carries no message id. */
  messageId?: string;
  /** The message body as delivered (for this service, base64 of `{"id":"..."}`). */
  body: string;
}

export type TriggerEntry =
  | { ok: true; message: TriggerMessage }
  | { ok: false; index: number; messageId?: string; problem: string };

/** An event that is not an FC queue trigger's: FC will not send it otherwise on a retry. */
export class TriggerEventError extends ServiceError {
  override readonly name = "TriggerEventError";
  declare readonly code: "UnreadableTriggerEvent";
  constructor(message: string) {
    super("UnreadableTriggerEvent", message, { transient: false });
  }
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** FC passes a Buffer; the local runtime or a test may pass the text or the parsed value. */
function eventText(event: unknown): string | undefined {
  if (Buffer.isBuffer(event)) return event.toString("utf8");
  if (event instanceof Uint8Array) return Buffer.from(event).toString("utf8");
  return text(event);
}

function parseJson(source: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The `{requestId, messageId, messageBody}` object of the queue trigger (CloudEvent `data`, or RawData). */
function queueMessage(data: JsonObject, index: number): TriggerEntry {
  const messageId = text(data.messageId);
  const body = data.messageBody;
  if (typeof body !== "string") {
    return {
      ok: false,
      index,
      ...(messageId ? { messageId } : {}),
      problem:
        body === undefined
          ? "the message has no messageBody"
          : `messageBody is a ${typeOf(body)}, not a string`,
    };
  }
  return { ok: true, message: { ...(messageId ? { messageId } : {}), body } };
}

const typeOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value;

const isCloudEvent = (value: JsonObject): boolean =>
  typeof value.specversion === "string" || isObject(value.data);

function arrayEntry(item: unknown, index: number): TriggerEntry {
  if (!isObject(item)) {
    return { ok: false, index, problem: `entry ${index} is a ${typeOf(item)}, not an object` };
  }
  if (isCloudEvent(item)) {
    if (!isObject(item.data)) {
      return { ok: false, index, problem: `the CloudEvent at entry ${index} has no data object` };
    }
    return queueMessage(item.data, index);
  }
  return queueMessage(item, index);
}

function objectEntries(event: JsonObject): TriggerEntry[] | undefined {
  if (isCloudEvent(event)) {
    return [arrayEntry(event, 0)];
  }
  if ("Message" in event && ("TopicName" in event || "MessageId" in event)) {
    const messageId = text(event.MessageId);
    const body = text(event.Message);
    if (body === undefined) {
      return [
        { ok: false, index: 0, ...(messageId ? { messageId } : {}), problem: "Message is not a string" },
      ];
    }
    return [{ ok: true, message: { ...(messageId ? { messageId } : {}), body } }];
  }
  if ("body" in event) {
    const body = text(event.body);
    if (body === undefined) return [{ ok: false, index: 0, problem: "body is not a string" }];
    return [{ ok: true, message: { body } }];
  }
  return undefined;
}

/** Reads a queue or topic trigger event; throws {@link TriggerEventError} when its form is unknown. */
export function parseQueueTriggerEvent(event: unknown): TriggerEntry[] {
  let value: unknown = event;
  const source = eventText(event);
  if (source !== undefined) {
    if (source.trim() === "") throw new TriggerEventError("the event is empty");
    const parsed = parseJson(source);
    // Topic trigger, STREAM format without attributes: the event is the message body itself.
    if (!parsed.ok) return [{ ok: true, message: { body: source } }];
    value = parsed.value;
  }
  if (Array.isArray(value)) return value.map(arrayEntry);
  const entries = isObject(value) ? objectEntries(value) : undefined;
  if (entries) return entries;
  // Delivered bytes of no known wrapper are a STREAM body that happens to be JSON text; the body
  // decoder then judges it as one message, so a stray message cannot block the queue.
  if (source !== undefined) return [{ ok: true, message: { body: source } }];
  const what = isObject(value)
    ? `an object with keys ${Object.keys(value).slice(0, 8).join(", ") || "(none)"}`
    : `a ${typeOf(value)}`;
  throw new TriggerEventError(`the event is ${what}, not an MNS trigger event`);
}
