/**
 * Cell values as the emulator holds them. Every variant is JSON-safe (integers as decimal strings,
 * binary as base64) so a snapshot is the state itself, with no second encoding.
 */
export type CellValue =
  | { type: "INTEGER"; value: string }
  | { type: "DOUBLE"; value: number }
  | { type: "BOOLEAN"; value: boolean }
  | { type: "STRING"; value: string }
  | { type: "BINARY"; value: string };

/** Range bounds may also be the open ends. */
export type KeyValue = CellValue | { type: "INF_MIN" } | { type: "INF_MAX" };

export type PrimaryKeyType = "INTEGER" | "STRING" | "BINARY";
export type DefinedColumnType = "INTEGER" | "DOUBLE" | "BOOLEAN" | "STRING" | "BINARY";

export interface NamedValue<V = CellValue> {
  name: string;
  value: V;
}

const TYPE_RANK: Record<CellValue["type"], number> = {
  INTEGER: 0,
  DOUBLE: 1,
  BOOLEAN: 2,
  STRING: 3,
  BINARY: 4,
};

/**
 * Total order used for primary keys and for column conditions. Values of different types order
 * by type; callers that need "different types never match" check {@link sameType} first.
 */
export function compareValues(a: CellValue, b: CellValue): number {
  if (a.type !== b.type) return TYPE_RANK[a.type] - TYPE_RANK[b.type];
  switch (a.type) {
    case "INTEGER": {
      const x = BigInt(a.value);
      const y = BigInt((b as typeof a).value);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "DOUBLE":
      return Math.sign(a.value - (b as typeof a).value);
    case "BOOLEAN":
      return Number(a.value) - Number((b as typeof a).value);
    // Tablestore orders strings by their UTF-8 bytes, which is not JS's UTF-16 order.
    case "STRING":
      return Buffer.compare(Buffer.from(a.value, "utf8"), Buffer.from((b as typeof a).value, "utf8"));
    case "BINARY":
      return Buffer.compare(Buffer.from(a.value, "base64"), Buffer.from((b as typeof a).value, "base64"));
  }
}

export function sameType(a: CellValue, b: CellValue): boolean {
  return a.type === b.type;
}

export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  if (a.type === "INF_MIN") return b.type === "INF_MIN" ? 0 : -1;
  if (a.type === "INF_MAX") return b.type === "INF_MAX" ? 0 : 1;
  if (b.type === "INF_MIN") return 1;
  if (b.type === "INF_MAX") return -1;
  return compareValues(a, b);
}

/** Lexicographic order of primary keys of equal length, column by column. */
export function comparePrimaryKeys(a: readonly KeyValue[], b: readonly KeyValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareKeyValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** A stable map key for a primary key. */
export function primaryKeyId(values: readonly CellValue[]): string {
  return JSON.stringify(values.map((v) => [v.type, v.value]));
}
