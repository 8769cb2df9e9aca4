/**
 * Sending many bodies: BatchSendMessage in chunks of at most 16 messages and 64 KB (the MNS batch
 * limits, docs/cloud-facts.md, "MNS"), with one result per body in the order given. A chunk that fails as a
 * whole fails each of its bodies with that error; other chunks still go out.
 */
import { createHash } from "node:crypto";
import type { MnsSdkClient } from "./client";
import { CLIENT_SIDE_CODES, MnsError, mnsCall } from "./errors";

export const MNS_BATCH_MAX_MESSAGES = 16;
export const MNS_BATCH_MAX_BYTES = 64 * 1024;

export type SendResult = { ok: true; messageId: string; bodyMd5: string } | { ok: false; error: MnsError };

function chunk(bodies: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body, "utf8");
    if (
      current.length > 0 &&
      (current.length === MNS_BATCH_MAX_MESSAGES || bytes + size > MNS_BATCH_MAX_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function md5Upper(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex").toUpperCase();
}

/** Bodies must already be encoded (see queue-body.ts): the SDK does not escape them. */
export async function sendMessages(
  client: MnsSdkClient,
  queueName: string,
  bodies: readonly string[],
): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const group of chunk(bodies)) {
    try {
      const response = await mnsCall(() =>
        client.batchSendMessage(
          queueName,
          group.map((MessageBody) => ({ MessageBody })),
        ),
      );
      const entries = Array.isArray(response.body) ? response.body : [];
      const requestId = response.headers["x-mns-request-id"];
      group.forEach((body, i) => {
        const entry = entries[i];
        if (entry?.MessageId && entry.MessageBodyMD5) {
          results.push(
            entry.MessageBodyMD5.toUpperCase() === md5Upper(body)
              ? { ok: true, messageId: entry.MessageId, bodyMd5: entry.MessageBodyMD5 }
              : {
                  ok: false,
                  error: new MnsError(
                    CLIENT_SIDE_CODES.md5Mismatch,
                    `message ${entry.MessageId} was stored with a different body`,
                    response.code,
                    requestId,
                  ),
                },
          );
        } else {
          results.push({
            ok: false,
            error: entry?.ErrorCode
              ? new MnsError(entry.ErrorCode, entry.ErrorMessage ?? entry.ErrorCode, response.code, requestId)
              : new MnsError(
                  CLIENT_SIDE_CODES.unexpectedResponse,
                  `no result for message ${i} of the batch (HTTP ${response.code})`,
                  response.code,
                  requestId,
                ),
          });
        }
      });
    } catch (err) {
      const error =
        err instanceof MnsError ? err : new MnsError(CLIENT_SIDE_CODES.network, String(err), 0, undefined);
      for (const _ of group) results.push({ ok: false, error });
    }
  }
  return results;
}
