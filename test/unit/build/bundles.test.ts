import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BundleReport,
  buildFunctions,
  ECS_OPERATIONS_USED,
  ECS_SDK_MARKERS,
  ecsClientMethodsOnly,
  FUNCTIONS_WITHOUT_ECS,
  TABLESTORE_OPERATIONS_USED,
  trimTablestoreProto,
  verifyBundles,
} from "../../../scripts/build";

describe("npm run build", () => {
  let outRoot: string;
  let reports: BundleReport[];

  beforeAll(async () => {
    outRoot = await mkdtemp(path.join(tmpdir(), "bundles-"));
    reports = await buildFunctions(outRoot);
  }, 120_000);
  afterAll(() => rm(outRoot, { recursive: true, force: true }));

  it("bundles each function into dist/<function>/index.js", () => {
    expect(reports.map((r) => r.name)).toEqual(["reconciler", "status", "submit", "worker"]);
    for (const r of reports) expect(r.file).toBe(path.join(outRoot, r.name, "index.js"));
  });

  it("keeps the ECS SDK out of the submit, status and reconciler bundles", () => {
    for (const name of FUNCTIONS_WITHOUT_ECS) {
      const report = reports.find((r) => r.name === name)!;
      expect(report.inputs.filter((i) => ECS_SDK_MARKERS.some((m) => i.includes(m)))).toEqual([]);
    }
    expect(verifyBundles(reports)).toEqual([]);
  });

  it("would notice an ECS SDK file in a bundle that must not have one", () => {
    const poisoned = reports.map((r) =>
      r.name === "submit"
        ? { ...r, inputs: [...r.inputs, "node_modules/@alicloud/ecs20140526/dist/client.js"] }
        : r,
    );
    expect(verifyBundles(poisoned)).toEqual([expect.stringContaining("submit bundle contains ECS SDK code")]);
  });

  it("produces CommonJS files that export a handler function", () => {
    const require = createRequire(import.meta.url);
    for (const r of reports.filter((r) => r.name !== "worker")) {
      const loaded = require(r.file) as { handler?: unknown };
      expect(typeof loaded.handler, r.name).toBe("function");
    }
  });

  it("keeps the Tablestore messages the functions use and drops the others", async () => {
    const require = createRequire(import.meta.url);
    const source = await readFile(
      require.resolve("tablestore/lib/protocol/tablestore_compiled_proto.js"),
      "utf8",
    );
    const trimmed = trimTablestoreProto(source, TABLESTORE_OPERATIONS_USED);
    expect(trimmed.length).toBeLessThan(source.length / 2);
    for (const kept of ["GetRowRequest", "PutRowResponse", "BatchWriteRowRequest", "Condition", "Error"]) {
      expect(trimmed, kept).toContain(`proto.${kept} = (function() {`);
    }
    expect(trimmed).toContain("proto.IndexStatusEnum = (function() {");
    expect(trimmed).not.toContain("proto.SearchRequest = (function() {");
    expect(trimmed).not.toContain("proto.SQLQueryRequest = (function() {");
    // The generated module is ~620 KB of the untrimmed status bundle (~835 KB); the rest is ~215 KB.
    expect(reports.find((r) => r.name === "status")!.bytes).toBeLessThan(500 * 1024);
  });

  it("keeps the whole module when an operation it names is missing from it", () => {
    const source = "$root.main = (function() {\n        proto.GetRowRequest = (function() {\n        })();\n";
    expect(trimTablestoreProto(source, ["NoSuchOperation"])).toBe(source);
  });

  it("keeps only the ECS client methods of the operations the worker calls", async () => {
    const require = createRequire(import.meta.url);
    const source = await readFile(require.resolve("@alicloud/ecs20140526/dist/client.js"), "utf8");
    const trimmed = ecsClientMethodsOnly(source, ECS_OPERATIONS_USED.worker ?? []);
    // What remains is mostly the JSDoc of the dropped methods, which minifying drops.
    expect(trimmed.length).toBeLessThan(source.length / 2);
    expect(trimmed).toContain("    async createImagePipelineWithOptions(request, runtime) {");
    expect(trimmed).toContain("    async createImagePipeline(request) {");
    expect(trimmed).not.toContain("    async describeInstances(request) {");
    expect(trimmed).toContain("constructor(config) {");
    expect(ecsClientMethodsOnly(source, ["NoSuchOperation"])).toBe(source);
    expect(reports.find((r) => r.name === "worker")!.bytes).toBeLessThan(1200 * 1024);
  });
});
