/**
 * Completion events on an MNS topic (spec/processing.md, "Completion events"). The body is the
 * event as base64 of its UTF-8 JSON, like queue messages: the SDK does not escape message bodies,
 * and an error message may hold `<` or `&`. Subscribers decode it with `decodeQueueBody` (or any
 * base64 + JSON decoder).
 *
 * `publish` never throws: the record's state change has already been written and stands. A
 * failed publish is retried a few times in place and then logged at error level with the whole
 * event, so an operator can replay it. Delivery is at-least-once: a retry after an ambiguous
 * failure may publish twice, so subscribers de-duplicate by `id` + `status`.
 */
import type { CompletionEvent, EventPublisher, Logger } from "../../app/ports";
import type { MnsSdkClient } from "./client";
import { expectStatus, mnsCall } from "./errors";
import { encodeQueueBody } from "./queue-body";

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

  async publish(event: CompletionEvent): Promise<void> {
    const body = encodeQueueBody(event);
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
        return;
      } catch (err) {
        lastError = err;
        if (attempt < this.tries) await this.sleep(this.retryDelayMs * 2 ** (attempt - 1));
      }
    }
    const { code, message } = lastError as { code?: string; message?: string };
    this.options.logger.error("completion event not published", {
      recordId: event.id,
      topic: this.options.topic,
      code,
      message,
      event,
    });
  }
}
