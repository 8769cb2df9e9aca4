/**
 * Crash durability for the emulators' `--data DIR`: the state is a snapshot file `<name>.json` plus
 * an append-only journal `<name>.journal` of the changes made since, one JSON line per change.
 *
 * - A change is appended when it is made; {@link Journal.durable} resolves once every change
 *   appended so far is written and `fdatasync`ed. The emulators await it before they answer, so a
 *   change that was answered survives `kill -9` (and a power cut). Changes made while a write is in
 *   flight share the next write and `fdatasync` (group commit), so a burst costs few syncs.
 * - On open, the snapshot is read and the journal lines after it are handed back to replay. A last
 *   line without its newline is a write the crash cut short: it was never answered, and is dropped.
 *   Any other line that does not parse, or a gap in the sequence, is damage, and opening fails.
 * - Compaction writes the whole state as a new snapshot (temporary file, `fdatasync`, rename,
 *   `fsync` of the directory), then empties the journal. It runs on open, on close, and while
 *   running once the journal is larger than `compactAfterBytes` and than the last snapshot.
 *   Each line carries a sequence number and the snapshot the last one it holds (`journalSeq`), so a
 *   crash between the rename and the emptying replays nothing twice.
 */
import { type FileHandle, mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";

export interface JournalOptions {
  dir: string;
  /** The files are `<dir>/<name>.json` and `<dir>/<name>.journal`. */
  name: string;
  /** The whole state now, JSON-safe; taken synchronously, so it is consistent. */
  snapshot: () => object;
  /** Compact while running once the journal is bigger than this and than the snapshot; default 16 MiB. */
  compactAfterBytes?: number | undefined;
}

export interface Recovered {
  /** The snapshot file's object (with its `journalSeq`), or undefined when there is none yet. */
  snapshot: Record<string, unknown> | undefined;
  /** The changes appended after that snapshot, oldest first. */
  changes: unknown[];
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const DEFAULT_COMPACT_AFTER_BYTES = 16 * 1024 * 1024;

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Makes a rename or a new file in `dir` itself durable (the entry lives in the directory). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    // Some platforms (Windows) cannot open or sync a directory; there the rename is what we have.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EACCES") throw err;
  } finally {
    await handle?.close();
  }
}

/** Replaces `path` with `text`: the old content or the new one survives a crash, never a mix. */
export async function writeFileDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(join(path, ".."));
}

/** The changes after `afterSeq` in a journal's text; see the module comment for torn and damaged lines. */
export function parseJournal(
  text: string,
  afterSeq: number,
  path: string,
): { changes: unknown[]; lastSeq: number } {
  const lines = text.split("\n");
  // Everything after the last newline never had its newline written: torn, or "" when none.
  lines.pop();
  const changes: unknown[] = [];
  let lastSeq = afterSeq;
  lines.forEach((line, i) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new Error(`${path}: line ${i + 1} is not a journal entry; the file is damaged`);
    }
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isSafeInteger(entry[0])) {
      throw new Error(`${path}: line ${i + 1} is not a [sequence, change] pair; the file is damaged`);
    }
    const seq = entry[0] as number;
    if (seq <= afterSeq) return;
    if (seq !== lastSeq + 1) {
      throw new Error(`${path}: line ${i + 1} has sequence ${seq} after ${lastSeq}; changes are missing`);
    }
    changes.push(entry[1]);
    lastSeq = seq;
  });
  return { changes, lastSeq };
}

export class Journal {
  private pending: { seq: number; line: string }[] = [];
  private waiters: Waiter[] = [];
  private durableSeq: number;
  private running: Promise<void> | undefined;
  private scheduled = false;
  private failure: unknown;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private closed = false;

  private constructor(
    private readonly options: JournalOptions,
    private readonly paths: { snapshot: string; journal: string },
    private readonly handle: FileHandle,
    private seq: number,
  ) {
    this.durableSeq = seq;
  }

  /**
   * Reads what `dir` holds, hands it to `restore` (which rebuilds the state, before anything is
   * appended), compacts it into a fresh snapshot and opens the journal for appending.
   */
  static async open(options: JournalOptions, restore: (recovered: Recovered) => void): Promise<Journal> {
    await mkdir(options.dir, { recursive: true });
    const paths = {
      snapshot: join(options.dir, `${options.name}.json`),
      journal: join(options.dir, `${options.name}.journal`),
    };
    const snapshotText = await readIfExists(paths.snapshot);
    let snapshot: Record<string, unknown> | undefined;
    if (snapshotText !== undefined) {
      const parsed: unknown = JSON.parse(snapshotText);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${paths.snapshot} is not a snapshot object`);
      }
      snapshot = parsed as Record<string, unknown>;
    }
    const afterSeq = typeof snapshot?.journalSeq === "number" ? snapshot.journalSeq : 0;
    const { changes, lastSeq } = parseJournal(
      (await readIfExists(paths.journal)) ?? "",
      afterSeq,
      paths.journal,
    );
    restore({ snapshot, changes });
    const handle = await open(paths.journal, "a");
    const journal = new Journal(options, paths, handle, lastSeq);
    try {
      await journal.compact();
    } catch (err) {
      await handle.close();
      throw err;
    }
    return journal;
  }

  /** Records one change (JSON-safe; serialised now, so later mutation of it does not matter). */
  append(change: unknown): void {
    if (this.closed) throw new Error(`${this.paths.journal} is closed`);
    this.seq += 1;
    this.pending.push({ seq: this.seq, line: `${JSON.stringify([this.seq, change])}\n` });
    // Changes made by the same synchronous step (a batch write, a receive of 16) share one write.
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.kick();
      });
    }
  }

  /** Resolves when every change appended so far is on disk; rejects if the journal cannot be written. */
  durable(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = this.seq;
    if (this.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Writes what is pending, compacts into the snapshot and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.kick();
      while (this.running) await this.running;
      if (this.failure !== undefined) throw this.failure;
      await this.compact();
    } finally {
      this.closed = true;
      await this.handle.close();
    }
  }

  private kick(): void {
    if (this.closed || this.running || this.pending.length === 0 || this.failure !== undefined) return;
    this.running = this.writePending().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0 && this.failure === undefined) {
      const batch = this.pending;
      this.pending = [];
      const text = batch.map((entry) => entry.line).join("");
      try {
        await this.handle.appendFile(text);
        await this.handle.datasync();
        this.journalBytes += Buffer.byteLength(text);
        this.markDurable(batch[batch.length - 1]!.seq);
        const limit = this.options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
        if (this.journalBytes > limit && this.journalBytes > this.snapshotBytes) await this.compact();
      } catch (err) {
        this.fail(err);
      }
    }
  }

  /** Only while nothing else writes the journal: on open, on close, and inside the write loop. */
  private async compact(): Promise<void> {
    const seq = this.seq;
    const text = JSON.stringify({ ...this.options.snapshot(), journalSeq: seq });
    await writeFileDurably(this.paths.snapshot, text);
    await this.handle.truncate(0);
    await this.handle.datasync();
    this.journalBytes = 0;
    this.snapshotBytes = text.length;
    // What was appended before the snapshot was taken is in it now.
    this.pending = this.pending.filter((entry) => entry.seq > seq);
    this.markDurable(seq);
  }

  private markDurable(seq: number): void {
    if (seq > this.durableSeq) this.durableSeq = seq;
    while (this.waiters.length > 0 && this.waiters[0]!.seq <= this.durableSeq)
      this.waiters.shift()!.resolve();
  }

  private fail(err: unknown): void {
    this.failure = err;
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }
}
