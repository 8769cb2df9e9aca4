/**
 * What a V8 heap snapshot holds, by constructor: `npx tsx bench/heap-summary.ts a.heapsnapshot
 * [b.heapsnapshot]` prints the 25 biggest groups by self size, or with two snapshots the 25 that
 * grew most from the first to the second. Used on the memory soak's snapshots (bench/RESULTS.md).
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

function groups(file: string): Groups {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = snap.snapshot.meta.node_types[0];
  const out: Groups = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? "?";
    const name =
      type === "object" || type === "closure"
        ? (snap.strings[snap.nodes[i + nameAt] as number] ?? "?")
        : `(${type})`;
    const key = `${name}`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += snap.nodes[i + sizeAt] as number;
    out.set(key, g);
  }
  return out;
}

const [first, second] = process.argv.slice(2);
if (!first) throw new Error("usage: heap-summary.ts a.heapsnapshot [b.heapsnapshot]");
const a = groups(first);
const rows = second
  ? [...groups(second)].map(([name, g]) => {
      const before = a.get(name) ?? { count: 0, bytes: 0 };
      return { name, count: g.count - before.count, bytes: g.bytes - before.bytes };
    })
  : [...a].map(([name, g]) => ({ name, ...g }));
rows.sort((x, y) => y.bytes - x.bytes);
for (const r of rows.slice(0, 25)) {
  console.log(
    `${(r.bytes / 2 ** 20).toFixed(2).padStart(9)} MiB ${String(r.count).padStart(9)}  ${r.name.slice(0, 90)}`,
  );
}
