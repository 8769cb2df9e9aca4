/**
 * The RequestQueue port over MNS (shared/app/ports.ts): one `{"id"}` message per record, base64
 * bodies (./queue-body), BatchSendMessage in chunks of 16 (./send-messages). Messages that failed
 * are sent once more, alone; if any still fail, `send` throws an MnsError naming how many, and the
 * records stay `pending` for the reconciler to enqueue again (docs/processing.md, "Flow").
 */
import type { RecordMessage, RequestQueue } from "../../app/ports";
import type { MnsSdkClient } from "./client";
import { MnsError } from "./errors";
import { encodeQueueBody } from "./queue-body";
import { sendMessages } from "./send-messages";

export interface MnsRequestQueueOptions {
  client: MnsSdkClient;
  queue: string;
}

export class MnsRequestQueue implements RequestQueue {
  readonly queue: string;
  private readonly client: MnsSdkClient;

  constructor(options: MnsRequestQueueOptions) {
    this.client = options.client;
    this.queue = options.queue;
  }

  async send(messages: RecordMessage[]): Promise<void> {
    let bodies = messages.map((message) => encodeQueueBody({ id: message.id }));
    let failures: MnsError[] = [];
    for (let round = 0; round < 2 && bodies.length > 0; round++) {
      const results = await sendMessages(this.client, this.queue, bodies);
      const failedBodies: string[] = [];
      failures = [];
      results.forEach((result, i) => {
        if (result.ok) return;
        failedBodies.push(bodies[i]!);
        failures.push(result.error);
      });
      bodies = failedBodies;
    }
    const first = failures[0];
    if (first) {
      throw new MnsError(
        first.code,
        `${failures.length} of ${messages.length} messages were not sent to ${this.queue}: ${first.message}`,
        first.httpStatus,
        first.requestId,
        { cause: first },
      );
    }
  }
}
