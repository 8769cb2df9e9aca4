/** The emulators' journal (local/journal.ts) on a real directory: replay, torn and damaged lines, compaction. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal, parseJournal, type Recovered } from "../../../local/journal";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A state that is a list of numbers; each change appends one. */
async function openList(
  state: number[],
  compactAfterBytes?: number,
): Promise<{ journal: Journal; recovered: Recovered }> {
  let recovered: Recovered = { snapshot: undefined, changes: [] };
  const journal = await Journal.open(
    { dir, name: "list", snapshot: () => ({ items: [...state] }), compactAfterBytes },
    (r) => {
      recovered = r;
      state.push(
        ...(((r.snapshot?.items as number[] | undefined) ?? []) as number[]),
        ...(r.changes as number[]),
      );
    },
  );
  return { journal, recovered };
}

function add(state: number[], journal: Journal, value: number): void {
  state.push(value);
  journal.append(value);
}

describe("Journal", () => {
  it("replays the changes made durable before a crash on top of the snapshot", async () => {
    const state: number[] = [];
    const { journal } = await openList(state);
    for (const n of [1, 2, 3]) add(state, journal, n);
    await journal.durable();
    // A crash: the file handle is simply dropped, nothing is compacted.
    const lines = (await readFile(join(dir, "list.journal"), "utf8")).trim().split("\n");
    expect(lines).toEqual(["[1,1]", "[2,2]", "[3,3]"]);

    const after: number[] = [];
    const { recovered, journal: reopened } = await openList(after);
    expect(recovered.changes).toEqual([1, 2, 3]);
    expect(after).toEqual([1, 2, 3]);
    // Opening compacts: the snapshot holds everything and the journal is empty.
    expect(JSON.parse(await readFile(join(dir, "list.json"), "utf8"))).toEqual({
      items: [1, 2, 3],
      journalSeq: 3,
    });
    expect(await readFile(join(dir, "list.journal"), "utf8")).toBe("");
    await reopened.close();
    await journal.close();
  });

  it("drops a torn last line (never acknowledged) and refuses a damaged one in the middle", () => {
    expect(parseJournal('[1,"a"]\n[2,"b"]\n[3,"c', 0, "j")).toEqual({ changes: ["a", "b"], lastSeq: 2 });
    expect(parseJournal('[1,"a"]\n[2,"b"]', 0, "j")).toEqual({ changes: ["a"], lastSeq: 1 });
    expect(parseJournal('[1,"a"]\n\0\0\0', 0, "j")).toEqual({ changes: ["a"], lastSeq: 1 });
    expect(() => parseJournal('[1,"a"]\n[2,"b\n[3,"c"]\n', 0, "j")).toThrow("line 2 is not a journal entry");
    expect(() => parseJournal('[1,"a"]\n[3,"c"]\n', 0, "j")).toThrow("sequence 3 after 1");
  });

  it("skips lines the snapshot already holds (a crash between the snapshot's rename and the journal's emptying)", async () => {
    await writeFile(join(dir, "list.json"), JSON.stringify({ items: [1, 2], journalSeq: 2 }));
    await writeFile(join(dir, "list.journal"), "[1,1]\n[2,2]\n[3,3]\n");
    const state: number[] = [];
    const { journal, recovered } = await openList(state);
    expect(recovered.changes).toEqual([3]);
    expect(state).toEqual([1, 2, 3]);
    await journal.close();
  });

  it("answers durable() only after the write, and compacts while running once the journal outgrows the limit", async () => {
    const state: number[] = [];
    const { journal } = await openList(state, 64);
    for (let n = 1; n <= 100; n++) {
      add(state, journal, n);
      await journal.durable();
    }
    const onDisk = JSON.parse(await readFile(join(dir, "list.json"), "utf8")) as { journalSeq: number };
    // At least one compaction ran: the snapshot is past the first changes.
    expect(onDisk.journalSeq).toBeGreaterThan(0);
    const reopened: number[] = [];
    const { journal: again } = await openList(reopened);
    expect(reopened).toEqual(state);
    await again.close();
    await journal.close();
  });

  it("takes no change after close", async () => {
    const state: number[] = [];
    const { journal } = await openList(state);
    await journal.close();
    expect(() => journal.append(1)).toThrow("is closed");
  });
});
