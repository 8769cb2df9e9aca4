/** The Tablestore emulator's snapshot file keeps at most one copy of the state waiting to be written. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SnapshotFile } from "../../../local/tablestore/persistence";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("SnapshotFile", () => {
  it("50 flushes while a write runs serialize the state twice, the last time with the newest state", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "snapshot-file-"));
    dirs.push(dir);
    const file = new SnapshotFile(dir, 10);
    let takes = 0;
    let version = 0;
    const take = () => {
      takes++;
      return [{ version } as never];
    };
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      version = i;
      writes.push(file.flush(take));
    }
    await Promise.all(writes);
    // Before: one serialized copy of the whole state per flush, all held until their turn.
    expect(takes).toBeLessThanOrEqual(2);
    const written = JSON.parse(readFileSync(path.join(dir, "tablestore.json"), "utf8"));
    expect(written.tables).toEqual([{ version: 49 }]);
  });
});
