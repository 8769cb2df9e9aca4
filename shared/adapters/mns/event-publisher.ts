/**
 * Completion events on an MNS topic (docs/processing.md, "Completion events"). The body is the
 * event as base64 of its UTF-8 JSON, like queue messages: the SDK does not escape message bodies,
 * and an error message may hold `<` or `&`. Subscribers decode it with `decodeQueueBody` (or any
 * base64 + JSON decoder).
 *
 * `publish` never throws: the record's state change has already been written and stands. A
 * failed publish is retried a few times in place and then logged at error level with the whole
 * event, so an operator can replay it.
 *
 * A topic takes bodies of at most 64 KB (its default MaximumMessageSize, the MNS limits page). The
 * only unbounded field is the error message, which can echo request content (a 16,000-character
 * BuildContent in CJK is 48 KB of UTF-8, 64 KB as base64), so it is shortened until the body fits. Delivery is at-least-once: a retry after an ambiguous
 * failure may publish twice, so subscribers de-duplicate by `id` + `status`.
 */

import type { CompletionEvent, EventPublisher, Logger } from "../../app/ports";
import { errorFields } from "../../domain/errors";
import type { MnsSdkClient } from "./client";
import { expectStatus, mnsCall, toMnsError } from "./errors";
import { encodeQueueBody } from "./queue-body";

/** The largest message body a topic with the default MaximumMessageSize takes, in bytes. */
export const MNS_MAX_MESSAGE_BYTES = 64 * 1024;
const TRUNCATION_MARK = "…";

/** The body for an event: base64 JSON, with the error message cut short if it would not fit. */
export function completionEventBody(event: CompletionEvent, maxBytes = MNS_MAX_MESSAGE_BYTES): string {
  let body = encodeQueueBody(event);
  const error = event.error;
  if (body.length <= maxBytes || !error) return body;
  let message = error.message;
  while (body.length > maxBytes && message.length > 0) {
    // Base64 is 4/3 of the JSON bytes; cut the message by the excess at its average JSON bytes per
    // character (plus the mark), then measure again.
    const excessJsonBytes = Math.ceil(((body.length - maxBytes) * 3) / 4) + TRUNCATION_MARK.length * 3;
    const bytesPerChar = Buffer.byteLength(JSON.stringify(message)) / message.length;
    message = message.slice(0, Math.max(0, message.length - Math.ceil(excessJsonBytes / bytesPerChar)));
    // Never leave half of a surrogate pair at the cut.
    if (/[\uD800-\uDBFF]$/.test(message)) message = message.slice(0, -1);
    body = encodeQueueBody({ ...event, error: { ...error, message: `${message}${TRUNCATION_MARK}` } });
  }
  return body;
}

export interface MnsEventPublisherOptions {
  client: MnsSdkClient;
  topic: string;
  logger: Logger;
  /** Tries per event; default 3. */
  tries?: number;
  /** Waits between tries; default 100 ms, doubling. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class MnsEventPublisher implements EventPublisher {
  private readonly tries: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: MnsEventPublisherOptions) {
    this.tries = options.tries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(event: CompletionEvent): Promise<boolean> {
    const body = completionEventBody(event);
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.tries; attempt++) {
      try {
        const response = await mnsCall(() =>
          this.options.client.publishMessage(this.options.topic, {
            MessageBody: body,
            MessageTag: event.status,
          }),
        );
        expectStatus(response, [201]);
        return true;
      } catch (err) {
        lastError = err;
        if (attempt < this.tries) await this.sleep(this.retryDelayMs * 2 ** (attempt - 1));
      }
    }
    const error = toMnsError(lastError);
    this.options.logger.error("completion event not published", {
      recordId: event.id,
      topic: this.options.topic,
      // The code on its own too, so a search for the failing code finds the line.
      code: error.code,
      error: errorFields(error),
      event,
    });
    return false;
  }
}
