/**
 * `--data DIR`: the whole store as one JSON file, rewritten (temp file + rename, so a crash leaves
 * the old or the new state, never half of one) shortly after each change and on close.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Snapshot } from "./store";

const FILE_NAME = "mns.json";
const DEBOUNCE_MS = 20;

export function loadSnapshot(dataDir: string): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, FILE_NAME), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    (parsed as { version?: unknown }).version !== 1 ||
    !Array.isArray((parsed as { queues?: unknown }).queues)
  ) {
    throw new Error(`${join(dataDir, FILE_NAME)} is not an MNS emulator state file (version 1)`);
  }
  return parsed as Snapshot;
}

export interface SnapshotWriter {
  /** Schedules a write soon; many changes in a burst cost one write. */
  schedule(): void;
  /** Writes now if anything is pending. */
  flush(): void;
}

export function snapshotWriter(dataDir: string, take: () => Snapshot): SnapshotWriter {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, FILE_NAME);
  let timer: NodeJS.Timeout | undefined;
  const write = (): void => {
    timer = undefined;
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(take()));
    renameSync(temp, path);
  };
  return {
    schedule() {
      if (!timer) timer = setTimeout(write, DEBOUNCE_MS);
    },
    flush() {
      if (timer) {
        clearTimeout(timer);
        write();
      }
    },
  };
}
