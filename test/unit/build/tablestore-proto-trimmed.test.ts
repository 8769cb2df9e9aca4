import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import {
  TABLESTORE_OPERATIONS_USED,
  trimTablestoreProto,
} from "../../../scripts/build/tablestore-proto-trimmed";

// Runs the plugin's transform over the installed tablestore's generated protobuf module: an update
// that changes the shape it relies on fails here, before it can fail a bundle.
const require = createRequire(import.meta.url);
const protoFile = require.resolve("tablestore/lib/protocol/tablestore_compiled_proto.js");

/** The `<namespace>.<Type>` names a generated module defines. */
const types = (source: string): string[] => {
  const names: string[] = [];
  let namespace = "";
  for (const m of source.matchAll(/\$root\.(\w+)\s*=\s*\(function|\bproto\.(\w+)\s*=\s*\(function/g)) {
    if (m[1]) namespace = m[1];
    else names.push(`${namespace}.${m[2]}`);
  }
  return names;
};

describe("tablestore-proto-trimmed on the installed tablestore", () => {
  let source: string;
  let trimmed: string;
  beforeAll(async () => {
    source = await readFile(protoFile, "utf8");
    trimmed = trimTablestoreProto(source, TABLESTORE_OPERATIONS_USED);
  });

  it("keeps the used messages, every enum and the filters, and drops search and SQL", () => {
    expect(types(source)).toHaveLength(259);
    const kept = new Set(types(trimmed));
    for (const name of [
      "main.Error",
      "main.GetRowRequest",
      "main.BatchWriteRowResponse",
      "main.PrimaryKeyType",
    ]) {
      expect(kept, name).toContain(name);
    }
    expect(kept).toContain("filter.Filter");
    expect(kept).not.toContain("main.SQLQueryRequest");
    expect(kept).not.toContain("search.SearchRequest");
    expect(kept.size).toBeLessThan(259 / 2);
    // Still one valid CommonJS module.
    expect(() => new Function("exports", "require", "module", trimmed)).not.toThrow();
  });

  it("trims a reformatted module the same way (tabs, other line breaks)", () => {
    const reformatted = source
      .replace(/^( {4})+/gm, (indent) => "\t".repeat(indent.length / 4))
      .replace(/= \(function\(\) \{/g, "=\n\t(function () {");
    expect(types(trimTablestoreProto(reformatted, TABLESTORE_OPERATIONS_USED))).toEqual(types(trimmed));
  });

  it("fails with the plugin's name when a message an operation needs is gone", () => {
    const renamed = source.replace(/\bproto\.GetRowRequest = /, "proto.GetRowRequestV2 = ");
    expect(() => trimTablestoreProto(renamed, TABLESTORE_OPERATIONS_USED)).toThrow(
      /^tablestore-proto-trimmed: no message main\.GetRowRequest\. .*written for tablestore 5\.6\.5.*scripts\/build\/tablestore-proto-trimmed\.ts/,
    );
  });

  it("fails when the types are no longer generated as `proto.<Type> = (function() {...})();`", () => {
    const altered = source.replace(/\bproto\.(\w+) = \(function\(\) \{/g, "proto.$1 = function() {");
    expect(() => trimTablestoreProto(altered, TABLESTORE_OPERATIONS_USED)).toThrow(
      /^tablestore-proto-trimmed: no message main\.Error, main\.GetRowRequest, /,
    );
  });
});
