/**
 * Asynchronous global secondary indexes. Tablestore applies a base-table write to its global
 * indexes after the write has been acknowledged (IUM_ASYNC_INDEX: "synchronization latency is
 * within a few milliseconds", more under load), so an index read right after a write may miss it.
 * This queue holds each index change until its lag has passed; base-table reads never wait.
 *
 * Order: changes that share a key (one index row's source: index + base row) are applied in the
 * order they were made, whatever lag each drew, so an older value never overtakes a newer one.
 */

/** A fixed lag in ms, or a range [min, max] drawn uniformly per change. */
export type IndexLag = number | readonly [number, number];

interface PendingChange {
  seq: number;
  due: number;
  key: string;
  tag: string | undefined;
  apply: () => void;
}

/** Checks a lag setting; throws a RangeError naming what is wrong. */
export function validatedIndexLag(lag: unknown): IndexLag {
  const isMs = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
  if (isMs(lag)) return lag;
  if (Array.isArray(lag) && lag.length === 2 && isMs(lag[0]) && isMs(lag[1]) && lag[0] <= lag[1]) {
    return [lag[0], lag[1]] as const;
  }
  throw new RangeError("indexLagMs must be ms >= 0, or [min, max] with 0 <= min <= max");
}

/** `--index-lag-ms 500` or `--index-lag-ms 0,1000`. */
export function parseIndexLag(text: string | undefined): IndexLag {
  const parts = (text ?? "").split(",").map((p) => (p.trim() === "" ? Number.NaN : Number(p)));
  return validatedIndexLag(parts.length === 1 ? parts[0] : parts);
}

/** Earliest due first; equal dues in the order they were made. */
function before(a: PendingChange, b: PendingChange): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class IndexChangeQueue {
  private lag: IndexLag;
  private readonly heap: PendingChange[] = [];
  /** Per key: the due time of its newest pending change and how many are pending. */
  private readonly lastByKey = new Map<string, { due: number; pending: number }>();
  private readonly pendingByTag = new Map<string, number>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  private nextSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Number.POSITIVE_INFINITY;

  constructor(
    lag: IndexLag = 0,
    private readonly random: () => number = Math.random,
  ) {
    this.lag = validatedIndexLag(lag);
  }

  getLag(): IndexLag {
    return this.lag;
  }

  setLag(lag: IndexLag): void {
    this.lag = validatedIndexLag(lag);
  }

  /**
   * Applies `apply` once the lag has passed and every earlier change with the same `key` has been
   * applied; at once (synchronously) when the lag is 0 and nothing with that key is pending.
   * `tag` groups changes for {@link pendingTagged} (e.g. the build of a new index).
   */
  enqueue(key: string, apply: () => void, tag?: string): void {
    const now = Date.now();
    this.applyDue(now);
    const previous = this.lastByKey.get(key);
    const due = Math.max(now + this.draw(), previous?.due ?? 0);
    if (due <= now && !previous) {
      apply();
      return;
    }
    const change: PendingChange = { seq: this.nextSeq++, due, key, tag, apply };
    this.push(change);
    this.lastByKey.set(key, { due, pending: (previous?.pending ?? 0) + 1 });
    if (tag !== undefined) this.pendingByTag.set(tag, (this.pendingByTag.get(tag) ?? 0) + 1);
    this.schedule();
  }

  /** Applies every change whose lag has passed, in order. Index reads call it first. */
  applyDue(now = Date.now()): void {
    while (this.heap.length > 0 && this.heap[0]!.due <= now) this.applyOne(this.pop());
    this.wakeWaiters();
  }

  /** Applies every pending change now, in order (a clean stop). */
  flush(): void {
    while (this.heap.length > 0) this.applyOne(this.pop());
    this.wakeWaiters();
    this.clearTimer();
  }

  /** Drops every pending change (the tables they belong to are gone). */
  clear(): void {
    this.heap.length = 0;
    this.lastByKey.clear();
    this.pendingByTag.clear();
    this.clearTimer();
    this.wakeWaiters();
  }

  /** Resolves once every change made before the call has been applied (after its own lag). */
  settle(): Promise<void> {
    const seq = this.nextSeq;
    return new Promise((resolve) => {
      this.waiters.push({ seq, resolve });
      this.wakeWaiters();
    });
  }

  pending(): number {
    return this.heap.length;
  }

  pendingTagged(tag: string): number {
    return this.pendingByTag.get(tag) ?? 0;
  }

  // --- internals ------------------------------------------------------------------------------

  private draw(): number {
    if (typeof this.lag === "number") return this.lag;
    const [min, max] = this.lag;
    return min + this.random() * (max - min);
  }

  private applyOne(change: PendingChange): void {
    change.apply();
    const last = this.lastByKey.get(change.key);
    if (last && --last.pending === 0) this.lastByKey.delete(change.key);
    if (change.tag !== undefined) {
      const left = (this.pendingByTag.get(change.tag) ?? 1) - 1;
      if (left === 0) this.pendingByTag.delete(change.tag);
      else this.pendingByTag.set(change.tag, left);
    }
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const oldest = this.heap.reduce((min, c) => Math.min(min, c.seq), Number.POSITIVE_INFINITY);
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (oldest >= waiter.seq) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private schedule(): void {
    const next = this.heap[0];
    if (!next || next.due >= this.timerDue) return;
    this.clearTimer();
    this.timerDue = next.due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDue = Number.POSITIVE_INFINITY;
        this.applyDue();
        this.schedule();
      },
      Math.max(0, next.due - Date.now()),
    );
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Number.POSITIVE_INFINITY;
  }

  private push(change: PendingChange): void {
    const heap = this.heap;
    heap.push(change);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): PendingChange {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
