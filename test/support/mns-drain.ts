/**
 * Reading a queue until MNS says it is empty. BatchReceiveMessage on an empty queue answers HTTP
 * 404 with the error code MessageNotExist (docs/cloud-facts.md; local/mns does the same), and the
 * SDK throws it as an Error named `MNSMessageNotExistError`. Only that answer ends the read: any
 * other failure (a signature refused, a queue that does not exist, the emulator down) is rethrown,
 * so a broken setup fails the test instead of reading as "no messages".
 */
import type { MnsSdkClient } from "../../shared/adapters/mns/index";

type ReceivedMessage = Awaited<ReturnType<MnsSdkClient["batchReceiveMessage"]>>["body"][number];

/** True for exactly the empty-queue answer of ReceiveMessage and BatchReceiveMessage. */
export function isQueueEmptyAnswer(err: unknown): boolean {
  return (
    err instanceof Error && err.name === "MNSMessageNotExistError" && / failed with 404\./.test(err.message)
  );
}

/** Every message now visible in `queue` (received, so invisible for its visibility timeout). */
export async function receiveUntilEmpty(
  client: Pick<MnsSdkClient, "batchReceiveMessage">,
  queue: string,
): Promise<ReceivedMessage[]> {
  const messages: ReceivedMessage[] = [];
  for (;;) {
    try {
      messages.push(...(await client.batchReceiveMessage(queue, 16, 0)).body);
    } catch (err) {
      if (isQueueEmptyAnswer(err)) return messages;
      throw err;
    }
  }
}
