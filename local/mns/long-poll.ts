/**
 * Long polling (ReceiveMessage with `waitseconds`): a receive that finds nothing is parked until a
 * send (or a delay or visibility timeout running out) makes a message visible, or until its wait is
 * over. Timers here only wake parked requests; the store's state never depends on them.
 */
import type { ServerResponse } from "node:http";
import type { Answer, MnsServerDeps, Reply } from "./context";
import { MnsServiceError } from "./errors";
import { noMessage } from "./request";
import type { QueueRecord, ReceivedMessage } from "./store";

interface Waiter {
  queueKey: string;
  /** Answers if a message is visible or the wait is over; true once answered. */
  settle: () => boolean;
  /** Answers as an empty receive now. */
  release: () => void;
  timer: NodeJS.Timeout | undefined;
}

export interface ReceiveRequest {
  accountId: string;
  queueName: string;
  count: number;
  waitSeconds: number;
  /** The answer for the messages received (one `<Message>` or a `<Messages>` list). */
  shape: (messages: ReceivedMessage[]) => Reply;
  res: ServerResponse;
  answer: Answer;
}

export interface LongPolls {
  /** Receives now, or parks the request; returns the reply when it answered at once. */
  receiveOrWait(request: ReceiveRequest): Reply | undefined;
  /** Lets the parked receives of this queue look again (after the current request). */
  wakeQueue(queue: QueueRecord): void;
  /** Lets the parked receives of `accountId/queueName` look again now (a deleted queue). */
  wake(accountId: string, queueName: string): void;
  /** Answers every parked receive as empty, so the server can close promptly. */
  releaseAll(): void;
}

export function createLongPolls(deps: MnsServerDeps): LongPolls {
  const { store } = deps;
  const waiters = new Map<string, Set<Waiter>>();

  const wakeKey = (key: string): void => {
    for (const waiter of [...(waiters.get(key) ?? [])]) waiter.settle();
  };

  function removeWaiter(waiter: Waiter): void {
    if (waiter.timer) clearTimeout(waiter.timer);
    const set = waiters.get(waiter.queueKey);
    set?.delete(waiter);
    if (set?.size === 0) waiters.delete(waiter.queueKey);
  }

  function addWaiter(waiter: Waiter): void {
    let set = waiters.get(waiter.queueKey);
    if (!set) {
      set = new Set();
      waiters.set(waiter.queueKey, set);
    }
    set.add(waiter);
  }

  function park(request: ReceiveRequest): void {
    const { accountId, queueName, count, shape, answer } = request;
    const deadline = deps.now() + request.waitSeconds * 1000;
    let done = false;
    const finish = (reply: Reply | MnsServiceError): void => {
      done = true;
      removeWaiter(waiter);
      answer(reply);
    };
    const waiter: Waiter = {
      queueKey: `${accountId}/${queueName}`,
      timer: undefined,
      settle: () => {
        if (done) return true;
        let messages: ReceivedMessage[];
        try {
          messages = store.receive(store.queue(accountId, queueName), count);
        } catch (err) {
          finish(err instanceof MnsServiceError ? err : new MnsServiceError("InternalError", String(err)));
          return true;
        }
        if (messages.length === 0 && deps.now() < deadline) {
          arm();
          return false;
        }
        finish(messages.length > 0 ? shape(messages) : noMessage());
        if (messages.length > 0) deps.changed();
        return true;
      },
      release: () => {
        if (!done) finish(noMessage());
      },
    };
    const arm = (): void => {
      if (waiter.timer) clearTimeout(waiter.timer);
      const at = nextWake(accountId, queueName, deadline);
      waiter.timer = setTimeout(() => waiter.settle(), Math.max(0, at - deps.now()) + 5);
    };
    addWaiter(waiter);
    arm();
    // The response's close, not the request's: Node fires the request's once the body is read.
    request.res.on("close", () => {
      done = true;
      removeWaiter(waiter);
    });
  }

  /** The deadline, or sooner when a delayed or in-flight message becomes visible before it. */
  function nextWake(accountId: string, queueName: string, deadline: number): number {
    try {
      const next = store.nextVisibleAt(store.queue(accountId, queueName));
      return next !== undefined && next < deadline ? next : deadline;
    } catch {
      // The queue is gone; the deadline check answers QueueNotExist.
      return deadline;
    }
  }

  return {
    receiveOrWait: (request) => {
      const first = store.receive(store.queue(request.accountId, request.queueName), request.count);
      if (first.length > 0) return request.shape(first);
      if (request.waitSeconds === 0) throw noMessage();
      park(request);
      return undefined;
    },
    // After the current request finishes, so a sender's reply is not held up by receivers.
    wakeQueue: (queue) => setImmediate(() => wakeKey(`${queue.accountId}/${queue.name}`)),
    wake: (accountId, queueName) => wakeKey(`${accountId}/${queueName}`),
    releaseAll: () => {
      for (const set of [...waiters.values()]) {
        for (const waiter of [...set]) waiter.release();
      }
    },
  };
}
