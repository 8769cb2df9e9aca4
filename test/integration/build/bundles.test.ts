import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUFFER_OF,
  type BundleReport,
  buildFunctions,
  builtinsLoadedOnUse,
  ECS_OPERATIONS_USED,
  ECS_SDK_MARKERS,
  ecsClientMethodsOnly,
  FUNCTIONS_WITHOUT_ECS,
  LEGACY_BUFFER_REWRITES,
  TABLESTORE_OPERATIONS_USED,
  trimTablestoreProto,
  verifyBundles,
} from "../../../scripts/build";
import { warmCodeCaches } from "../../../scripts/warm-code-cache";

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

  it("puts the web console beside the status bundle, not in it, and would notice console code in a bundle", async () => {
    const status = reports.find((r) => r.name === "status")!;
    expect(status.inputs.filter((i) => i.startsWith("console/"))).toEqual([]);
    const names = (status.assets ?? []).map((a) => a.name);
    expect(names).toEqual([
      expect.stringMatching(/^main-[A-Z0-9]{8}\.js$/),
      expect.stringMatching(/^style-[A-Z0-9]{8}\.css$/),
      "index.html",
    ]);
    const page = await readFile(path.join(outRoot, "status", "console", "index.html"), "utf8");
    for (const name of names.slice(0, 2)) expect(page).toContain(`/console/${name}" integrity="sha384-`);
    const poisoned = reports.map((r) =>
      r.name === "status" ? { ...r, inputs: [...r.inputs, "console/main.ts"] } : r,
    );
    expect(verifyBundles(poisoned)).toEqual([
      expect.stringContaining("status bundle contains the web console's code"),
    ]);
  });

  it("produces CommonJS files that export a handler function", () => {
    const require = createRequire(import.meta.url);
    for (const r of reports.filter((r) => r.name !== "worker")) {
      const loaded = require(r.file) as { handler?: unknown };
      expect(typeof loaded.handler, r.name).toBe("function");
    }
  });

  it("remakes the submit, status and worker code caches after one answered invocation each", async () => {
    const before = new Map(reports.map((r) => [r.name, r.cacheBytes]));
    const warmed = await warmCodeCaches(outRoot);
    expect(warmed.map((w) => [w.name, w.problem])).toEqual([
      ["submit", undefined],
      ["status", undefined],
      ["worker", undefined],
    ]);
    // What the first request compiled is now in the cache too.
    for (const w of warmed) expect(w.cacheBytes, w.name).toBeGreaterThan(before.get(w.name) ?? 0);
  }, 60_000);

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

  it("fails the build when an operation it names is missing from the module", () => {
    const source =
      "$root.main = (function() {\n    var main = {};\n    main.proto = (function() {\n        var proto = {};\n        proto.Error = (function() {\n        })();\n        proto.GetRowRequest = (function() {\n        })();\n    })();\n})();\n";
    expect(() => trimTablestoreProto(source, ["NoSuchOperation"])).toThrow(
      /tablestore-proto-trimmed: no message main\.NoSuchOperationRequest, main\.NoSuchOperationResponse/,
    );
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
    expect(() => ecsClientMethodsOnly(source, ["NoSuchOperation"])).toThrow(
      /ecs-models-only: Client has no async method noSuchOperation, noSuchOperationWithOptions/,
    );
    expect(reports.find((r) => r.name === "worker")!.bytes).toBeLessThan(1200 * 1024);
  });
});

describe("what the bundles change in their dependencies", () => {
  const require = createRequire(import.meta.url);
  // Evaluated as the bundle does: in a CommonJS scope, where `require` is the module's own.
  const bufferOf = new Function("require", `${BUFFER_OF}; return __bufferOf;`)(require) as (
    ...args: unknown[]
  ) => Buffer;

  it("builds Buffers as `new Buffer` does, without the deprecated constructor", () => {
    expect(bufferOf(4)).toEqual(Buffer.alloc(4));
    // int64-buffer calls its constructor variable with `new`.
    expect(new (bufferOf as unknown as new (size: number) => Buffer)(8)).toEqual(Buffer.alloc(8));
    expect(bufferOf("aGk=", "base64").toString()).toBe("hi");
    expect(bufferOf("é").length).toBe(2);
    expect(bufferOf([1, 2, 255])).toEqual(Buffer.from([1, 2, 255]));
    const bytes = new Uint8Array([9, 8, 7, 6]);
    expect(bufferOf(bytes.buffer, 1, 2)).toEqual(Buffer.from([8, 7]));
  });

  it.each([
    ["tablestore/lib/util.js"],
    ["tablestore/lib/event_listeners.js"],
    ["tablestore/lib/protocol/plain_buffer_stream.js"],
    ["int64-buffer/int64-buffer.js"],
    ["protobufjs/src/reader.js"],
  ])("rewrites every deprecated Buffer construction in %s", async (file) => {
    const resolved = require.resolve(file);
    const rewrite = LEGACY_BUFFER_REWRITES.find((r) => r.file.test(resolved));
    expect(rewrite, `no rewrite matches ${resolved}`).toBeDefined();
    const source = await readFile(resolved, "utf8");
    const rewritten = rewrite!.rewrite(source);
    // A dependency update that changes the rewritten text shows up here, not as a warning in production.
    expect(rewritten).not.toBe(source);
    expect(rewritten).not.toMatch(/new (TableStore\.util\.)?Buffer\(/);
  });

  it("loads node:stream/web, zlib and (for our own code) node:https only when a property of them is read", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "on-use-"));
    try {
      // Stand-ins placed where the plugin expects middy and httpx, importing the built-ins as they do.
      await mkdir(path.join(dir, "node_modules/@middy/core"), { recursive: true });
      await mkdir(path.join(dir, "node_modules/httpx"), { recursive: true });
      await mkdir(path.join(dir, "shared"), { recursive: true });
      await writeFile(
        path.join(dir, "node_modules/@middy/core/index.mjs"),
        'import { ReadableStream } from "node:stream/web";\nexport const isWebStream = (x) => x instanceof ReadableStream;\n',
      );
      await writeFile(
        path.join(dir, "node_modules/httpx/index.js"),
        'const zlib = require("zlib");\nexports.gzip = (b) => zlib.gzipSync(b);\n',
      );
      await writeFile(
        path.join(dir, "shared/jwks.mjs"),
        'import { Agent } from "node:https";\nexport const secureAgent = () => new Agent({ keepAlive: true });\n',
      );
      await writeFile(
        path.join(dir, "entry.mjs"),
        'import { isWebStream } from "./node_modules/@middy/core/index.mjs";\nimport httpx from "./node_modules/httpx/index.js";\nimport { secureAgent } from "./shared/jwks.mjs";\nexport { isWebStream, httpx, secureAgent };\n',
      );
      await build({
        entryPoints: [path.join(dir, "entry.mjs")],
        outfile: path.join(dir, "out.cjs"),
        bundle: true,
        platform: "node",
        format: "cjs",
        logLevel: "silent",
        plugins: [builtinsLoadedOnUse()],
      });
      const probe = `
        const watched = ["NativeModule zlib", "NativeModule stream/web", "NativeModule https"];
        const loaded = () => process.moduleLoadList.filter((m) => watched.includes(m)).sort();
        const { isWebStream, httpx, secureAgent } = require(${JSON.stringify(path.join(dir, "out.cjs"))});
        const atLoad = loaded();
        const web = isWebStream(new (require("node:stream/web").ReadableStream)());
        const gz = httpx.gzip(Buffer.from("x"))[0];
        const agent = secureAgent() instanceof require("node:https").Agent;
        console.log(JSON.stringify({ atLoad, web, gz, agent, after: loaded() }));`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", probe]);
      expect(JSON.parse(stdout)).toEqual({
        atLoad: [],
        web: true,
        gz: 0x1f,
        agent: true,
        after: ["NativeModule https", "NativeModule stream/web", "NativeModule zlib"],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
