/**
 * In-memory fakes of the ports in shared/app/ports.ts, for unit tests of the use cases. They keep
 * the ports' promises (conditional writes, newest-first order, paging) so a use case that relies
 * on them is tested against the same rules the real adapters follow.
 */
import {
  type BatchHeader,
  type Clock,
  type CompletionEvent,
  type CreatePipelineOutcome,
  type EventPublisher,
  type IdempotencyEntry,
  type ListOptions,
  type Logger,
  MATCHING_SCAN_BUDGET,
  type Page,
  type PipelineClient,
  type PipelineTarget,
  type RecordMessage,
  type RecordStore,
  type RecordWrite,
  type RequestQueue,
} from "../../shared/app/ports";
import type { PipelineRecord, RecordStatus } from "../../shared/domain/record";
import { matchesFilter, type RecordFilter } from "../../shared/domain/record-filter";
import type { PipelineRequest } from "../../shared/domain/request/normalize";

export class FakeClock implements Clock {
  constructor(private current = new Date("2026-11-27T16:00:00.000Z")) {}
  now(): Date {
    return new Date(this.current);
  }
  /** Sleeping advances the clock at once, so backoff is tested without waiting. */
  async sleep(ms: number): Promise<void> {
    this.advance(ms);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

function paginate<T>(sorted: T[], options: ListOptions): Page<T> {
  const start = options.cursor ? Number(Buffer.from(options.cursor, "base64url").toString()) : 0;
  const items = sorted.slice(start, start + options.limit);
  const next = start + options.limit;
  return next < sorted.length
    ? { items, nextCursor: Buffer.from(String(next)).toString("base64url") }
    : { items };
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * Holds what Tablestore holds, with its global secondary indexes modelled: by default they follow
 * every write at once; after `holdIndexes()` the lists read the indexes as they were at that moment
 * (records written since are missing, changed ones found under their old keys and status) until
 * `settleIndexes()`, as the service's asynchronous indexes do for a moment after each write. As in
 * the adapter, a list returns each item as the base table has it now and checks it against the
 * status filter again. Reads by id never lag.
 */
export class InMemoryRecordStore implements RecordStore {
  readonly records = new Map<string, PipelineRecord>();
  readonly batches = new Map<string, BatchHeader>();
  readonly idempotency = new Map<string, IdempotencyEntry>();
  /** Calls per method, for tests that count store round trips. */
  readonly calls: Record<string, number> = {};
  /** The records as the lagging indexes still see them; undefined while the indexes keep up. */
  private heldIndex: Map<string, PipelineRecord> | undefined;

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  /** The indexes stop following writes: lists see the records as they are now, until settled. */
  holdIndexes(): void {
    this.heldIndex = new Map([...this.records].map(([id, record]) => [id, clone(record)]));
  }

  /** The indexes catch up with every write, and follow writes at once again. */
  settleIndexes(): void {
    this.heldIndex = undefined;
  }

  async create(record: PipelineRecord): Promise<RecordWrite> {
    this.count("create");
    if (this.records.has(record.id)) return "conflict";
    this.records.set(record.id, clone(record));
    return "applied";
  }

  async createMany(records: PipelineRecord[]): Promise<void> {
    this.count("createMany");
    for (const record of records) {
      if (this.records.has(record.id)) throw new Error(`record ${record.id} exists`);
    }
    for (const record of records) this.records.set(record.id, clone(record));
  }

  async get(id: string): Promise<PipelineRecord | undefined> {
    this.count("get");
    const record = this.records.get(id);
    return record && clone(record);
  }

  async getMany(ids: readonly string[]): Promise<PipelineRecord[]> {
    this.count("getMany");
    return ids.flatMap((id) => {
      const record = this.records.get(id);
      return record ? [clone(record)] : [];
    });
  }

  async statusesOf(ids: readonly string[]): Promise<Map<string, RecordStatus>> {
    this.count("statusesOf");
    return new Map(
      ids.flatMap((id) => {
        const record = this.records.get(id);
        return record ? [[id, record.status] as const] : [];
      }),
    );
  }

  async putBatch(header: BatchHeader): Promise<RecordWrite> {
    this.count("putBatch");
    if (this.batches.has(header.id)) return "conflict";
    this.batches.set(header.id, clone(header));
    return "applied";
  }

  async getBatch(batchId: string): Promise<BatchHeader | undefined> {
    this.count("getBatch");
    const header = this.batches.get(batchId);
    return header && clone(header);
  }

  async update(
    next: PipelineRecord,
    condition: { from: RecordStatus; expectedLeaseUntil?: string },
  ): Promise<RecordWrite> {
    this.count("update");
    const stored = this.records.get(next.id);
    if (!stored || stored.status !== condition.from) return "conflict";
    if (condition.expectedLeaseUntil !== undefined && stored.leaseUntil !== condition.expectedLeaseUntil)
      return "conflict";
    this.records.set(next.id, clone(next));
    return "applied";
  }

  /**
   * One page of an index: entries chosen and ordered by what the index holds, then each item read
   * from the base table and checked against the status filter again (so a page may come out short).
   */
  private listIndex(
    matches: (indexed: PipelineRecord) => boolean,
    order: (a: PipelineRecord, b: PipelineRecord) => number,
    options: ListOptions,
  ): Page<PipelineRecord> {
    const entries = [...(this.heldIndex ?? this.records).values()]
      .filter((r) => matches(r) && (!options.status || r.status === options.status))
      .sort(order);
    const page = paginate(entries, options);
    const items = page.items.flatMap((entry) => {
      const current = this.records.get(entry.id);
      return current && (!options.status || current.status === options.status) ? [clone(current)] : [];
    });
    return page.nextCursor ? { items, nextCursor: page.nextCursor } : { items };
  }

  private static newestFirst(a: PipelineRecord, b: PipelineRecord): number {
    return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
  }

  async listBySubmitter(submittedBy: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    this.count("listBySubmitter");
    return this.listIndex((r) => r.submittedBy === submittedBy, InMemoryRecordStore.newestFirst, options);
  }

  /**
   * As the adapter: the entries an index would find (by what it holds: submitter, batch, status,
   * creation time), at most MATCHING_SCAN_BUDGET a call, each checked against the whole filter as
   * the record is now. The cursor is the position of the next entry to examine.
   */
  async listMatching(
    submittedBy: string | undefined,
    filter: RecordFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<PipelineRecord>> {
    this.count("listMatching");
    if (submittedBy === undefined && filter.batchId === undefined)
      throw new Error("listMatching: any caller's records only within a batch");
    const owned = (r: PipelineRecord): boolean => submittedBy === undefined || r.submittedBy === submittedBy;
    const indexed = (r: PipelineRecord): boolean =>
      filter.batchId !== undefined
        ? r.batchId === filter.batchId && (!filter.status || r.status === filter.status)
        : owned(r) &&
          matchesFilter(r, {
            status: filter.status,
            createdAfter: filter.createdAfter,
            createdBefore: filter.createdBefore,
          });
    const entries = [...(this.heldIndex ?? this.records).values()]
      .filter(indexed)
      .sort(
        filter.batchId !== undefined ? (a, b) => a.id.localeCompare(b.id) : InMemoryRecordStore.newestFirst,
      );
    const start = page.cursor ? Number(Buffer.from(page.cursor, "base64url").toString()) : 0;
    const items: PipelineRecord[] = [];
    let at = start;
    for (; at < entries.length && at < start + MATCHING_SCAN_BUDGET; at++) {
      const current = this.records.get(entries[at]!.id);
      if (!current || !owned(current) || !matchesFilter(current, filter)) continue;
      if (items.length === page.limit) break;
      items.push(clone(current));
    }
    return at < entries.length
      ? { items, nextCursor: Buffer.from(String(at)).toString("base64url") }
      : { items };
  }

  /** The base table itself: never lags. */
  async listAll(options: ListOptions): Promise<Page<PipelineRecord>> {
    this.count("listAll");
    const records = [...this.records.values()]
      .filter((r) => !options.status || r.status === options.status)
      .sort(InMemoryRecordStore.newestFirst)
      .map(clone);
    return paginate(records, options);
  }

  async listByBatch(batchId: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    this.count("listByBatch");
    return this.listIndex(
      (r) => r.batchId === batchId,
      (a, b) => a.id.localeCompare(b.id),
      options,
    );
  }

  async listByStatus(status: "pending" | "running", options: ListOptions): Promise<Page<PipelineRecord>> {
    this.count("listByStatus");
    if (options.status !== undefined && options.status !== status) return { items: [] };
    return this.listIndex(
      (r) => r.status === status,
      (a, b) => a.updatedAt.localeCompare(b.updatedAt),
      { ...options, status },
    );
  }

  async listOwedEvents(owedSince: string, options: ListOptions): Promise<Page<PipelineRecord>> {
    this.count("listOwedEvents");
    const records = [...this.records.values()]
      .filter((r) => r.eventOwedAt !== undefined && r.eventOwedAt <= owedSince)
      .map(clone)
      .sort((a, b) => (a.eventOwedAt ?? "").localeCompare(b.eventOwedAt ?? "") || a.id.localeCompare(b.id));
    return paginate(records, options);
  }

  async putIdempotency(entry: IdempotencyEntry): Promise<RecordWrite> {
    this.count("putIdempotency");
    if (this.idempotency.has(entry.scope)) return "conflict";
    this.idempotency.set(entry.scope, clone(entry));
    return "applied";
  }

  async getIdempotency(scope: string): Promise<IdempotencyEntry | undefined> {
    this.count("getIdempotency");
    const entry = this.idempotency.get(scope);
    return entry && clone(entry);
  }
}

export class InMemoryQueue implements RequestQueue {
  readonly sent: RecordMessage[] = [];
  /** Set to make the next sends fail, as a broken queue would. */
  failSends = false;
  async send(messages: RecordMessage[]): Promise<void> {
    if (this.failSends) throw Object.assign(new Error("queue unavailable"), { code: "InternalError" });
    this.sent.push(...messages.map(clone));
  }
}

export interface PipelineCall {
  target: PipelineTarget;
  request: PipelineRequest;
  clientToken: string;
  timeoutMs: number;
}

/**
 * Answers CreateImagePipeline from a script of outcomes, then with success; remembers every call,
 * and like ECS returns the first pipeline again for a token it has seen succeed.
 */
/** ECS made the pipeline, then the connection dropped: the caller sees a network error. */
export const DROPPED_AFTER_COMMIT = { dropAfterCommit: true } as const;
export type ScriptStep = CreatePipelineOutcome | typeof DROPPED_AFTER_COMMIT;

export class ScriptedPipelineClient implements PipelineClient {
  readonly calls: PipelineCall[] = [];
  /** Set by a test to refuse the target account's keys (PipelineClient.checkAccess). */
  checkAccess?: NonNullable<PipelineClient["checkAccess"]>;
  private readonly byToken = new Map<string, string>();
  constructor(
    private readonly script: ScriptStep[] = [],
    private readonly clock?: FakeClock,
    private readonly callDurationMs = 0,
  ) {}

  async createImagePipeline(
    target: PipelineTarget,
    request: PipelineRequest,
    clientToken: string,
    options: { timeoutMs: number },
  ): Promise<CreatePipelineOutcome> {
    this.calls.push({ target, request: clone(request), clientToken, timeoutMs: options.timeoutMs });
    this.clock?.advance(this.callDurationMs);
    const step = this.script.shift();
    if (step && "dropAfterCommit" in step) {
      if (!this.byToken.has(clientToken))
        this.byToken.set(clientToken, `ip-${String(this.byToken.size).padStart(20, "0")}`);
      return {
        ok: false,
        failure: { code: "NetworkError", message: "ECONNRESET: socket hang up", transient: true },
      };
    }
    const scripted = step;
    if (scripted && !scripted.ok) return scripted;
    const existing = this.byToken.get(clientToken);
    const imagePipelineId =
      existing ??
      (scripted?.ok ? scripted.imagePipelineId : `ip-${String(this.byToken.size).padStart(20, "0")}`);
    this.byToken.set(clientToken, imagePipelineId);
    return { ok: true, imagePipelineId, requestId: `req-${this.calls.length}` };
  }

  /** The pipeline ECS holds for a token, if any. */
  pipelineFor(clientToken: string): string | undefined {
    return this.byToken.get(clientToken);
  }

  /** Distinct pipelines created, as ECS would count them. */
  get pipelines(): number {
    return this.byToken.size;
  }
}

export class CapturingPublisher implements EventPublisher {
  readonly events: CompletionEvent[] = [];
  /** While true the topic refuses every event (an outage). */
  down = false;
  refused = 0;
  async publish(event: CompletionEvent): Promise<boolean> {
    if (this.down) {
      this.refused++;
      return false;
    }
    this.events.push(clone(event));
    return true;
  }
}

export class CapturingLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> | undefined }[] = [];
  debug(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "debug", message, fields });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "info", message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "warn", message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "error", message, fields });
  }
}
