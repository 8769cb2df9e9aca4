/**
 * `--data DIR`: the whole state as one JSON file, `DIR/tablestore.json`. Written a short delay
 * after a change (so a burst of writes costs one file write) and on close; written to a temporary
 * file and renamed, so a crash leaves the previous snapshot intact. A hard kill loses at most
 * the last delay's worth of writes. Index rows are not stored: they are rebuilt on load.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StoredRow, TableSchema } from "./state";

export type TableSnapshot = { schema: TableSchema; rows: StoredRow[] }[];

const FORMAT_VERSION = 1;

interface SnapshotDocument {
  version: number;
  tables: TableSnapshot;
}

function isDocument(value: unknown): value is SnapshotDocument {
  if (typeof value !== "object" || value === null) return false;
  const doc = value as Record<string, unknown>;
  return doc.version === FORMAT_VERSION && Array.isArray(doc.tables);
}

export class SnapshotFile {
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** A write waiting for the one in progress; it reads the state when it starts. */
  private queued: Promise<void> | undefined;
  private take: (() => TableSnapshot) | undefined;

  constructor(
    private readonly dir: string,
    private readonly delayMs: number,
  ) {
    this.path = join(dir, "tablestore.json");
  }

  async load(): Promise<TableSnapshot> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isDocument(parsed))
      throw new Error(`${this.path} is not a version ${FORMAT_VERSION} Tablestore snapshot`);
    return parsed.tables;
  }

  schedule(take: () => TableSnapshot): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write(take).catch(() => {
        // A failed background write is retried by the next change or by close(), which reports it.
      });
    }, this.delayMs);
    this.timer.unref();
  }

  async flush(take: () => TableSnapshot): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.write(take);
  }

  /**
   * At most one write runs and at most one waits, and the waiting one serializes the state only
   * when it starts. Serializing at every change instead queued one copy of the whole state per
   * change whenever the disk was slower than the changes: the stack's heap grew to 1 GB in a
   * 2,000-request soak on a loaded machine (bench/RESULTS.md, "Memory").
   */
  private write(take: () => TableSnapshot): Promise<void> {
    this.take = take;
    if (this.queued) return this.queued;
    // Chained so two writes never interleave their rename.
    const queued = this.writing
      .catch(() => {})
      .then(async () => {
        this.queued = undefined;
        const tables = (this.take ?? take)();
        const text = JSON.stringify({ version: FORMAT_VERSION, tables } satisfies SnapshotDocument);
        await mkdir(this.dir, { recursive: true });
        const temporary = `${this.path}.${process.pid}.tmp`;
        await writeFile(temporary, text);
        await rename(temporary, this.path);
      });
    this.queued = queued;
    this.writing = queued;
    return queued;
  }
}
