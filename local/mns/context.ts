/**
 * What every operation handler gets and gives back: the server's dependencies, the parsed request
 * and its caller, and a {@link Reply} (or an {@link MnsServiceError} thrown, which the server turns
 * into the `<Error>` document). One shape for all, so the route table can hold any handler.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { MnsAuthorizer, ResolveAccessKey } from "./auth";
import type { MnsServiceError } from "./errors";
import type { MnsOperation } from "./operation-names";
import type { MnsStore, QueueRecord, ReceivedMessage } from "./store";
import type { XmlFields } from "./xml";

export interface MnsFaults {
  /** Read by the local trigger pump: the chance it delivers a message twice. */
  duplicateRate: number;
  /** SendMessage, each BatchSendMessage entry and PublishMessage answer `InternalError` (500) at this rate. */
  sendErrorRate: number;
  /**
   * A topic outage: until this time (ms since the epoch; 0 = none) every PublishMessage answers
   * `InternalError` (500), the code MNS documents for a failure on its side.
   */
  topicOutageUntil: number;
}

export interface MnsServerDeps {
  store: MnsStore;
  resolveKey: ResolveAccessKey;
  /** RAM: whether the key's identity may do the request (local/ram). */
  authorizer: MnsAuthorizer;
  /** The region in RAM resource ARNs. */
  region: string;
  faults: () => MnsFaults;
  countCall: (operation: MnsOperation) => void;
  /** Called after each request that may have changed state. */
  changed: () => void;
  /** Resolves once the changes made so far are on disk; every answer waits for it (persistence.ts). */
  durable?: (() => Promise<void>) | undefined;
  now: () => number;
  random: () => number;
  /** The certificate HTTP pushes are signed with, served without authentication at `path` (signing.ts). */
  signingCertificate?: { path: string; pem: string };
}

/** A success answer: a status, optionally an XML document (root + fields) and extra headers. */
export interface Reply {
  status: number;
  root?: string;
  fields?: XmlFields;
  headers?: Record<string, string>;
}

export type Answer = (reply: Reply | MnsServiceError) => void;

/** One authenticated, authorised request, as a handler sees it. */
export interface OperationContext {
  deps: MnsServerDeps;
  store: MnsStore;
  longPolls: LongPolls;
  operation: MnsOperation;
  /** The account of the caller's key: queues and topics are kept per account. */
  accountId: string;
  /** The queue or topic name (the second path segment). */
  name: string;
  /** The subscription name (the fourth path segment) on subscription routes, else "". */
  subscriptionName: string;
  /** The path without the query, as sent. */
  path: string;
  /** Query keys lower-cased, values raw-decoded (request.ts). */
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
  /** `host:port` as sent, for the URLs in answers. */
  host: string;
  body: Buffer;
  /** For long polls, which answer later through {@link answer}. */
  res: ServerResponse;
  answer: Answer;
}

/** Answers now, or returns undefined when the request was parked (a long poll) and answers later. */
export type OperationHandler = (ctx: OperationContext) => Reply | undefined;

/** Long polling (long-poll.ts), as handlers see it; declared here so that file and this one do not import each other. */
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
