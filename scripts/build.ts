/**
 * Bundles each Function Compute function into `dist/<function>/index.js`: one CommonJS file that
 * exports `handler`, which is what the `nodejs20` runtime loads as `index.handler`.
 *
 * Why one bundle per function: FC cold start is dominated by module loading (see bench/), and the
 * ECS SDK alone is ~3,400 files. A bundle holds only what its function imports, so submit and
 * status never pay for the ECS SDK; `verifyBundles` fails the build if one of them does.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Functions that must never carry the ECS SDK: they only validate, store, queue, read and re-queue. */
export const FUNCTIONS_WITHOUT_ECS = ["submit", "status", "reconciler"] as const;

/** Module path fragments that identify ECS SDK code inside a bundle's inputs. */
export const ECS_SDK_MARKERS = [
  "node_modules/@alicloud/ecs20140526/",
  "node_modules/@alicloud/openapi-core/",
];

export interface BundleReport {
  name: string;
  /** The entry FC loads (`index.handler`): the code-cache loader. */
  file: string;
  /** Size of the bundle itself. */
  bytes: number;
  /** Size of the V8 code cache beside it; 0 if none could be made. */
  cacheBytes: number;
  /** Every source file esbuild put into the bundle, relative to the project root. */
  inputs: string[];
}

/**
 * The ECS operations each function calls. `@alicloud/ecs20140526`'s client requires one index of
 * all ~3,450 model files at load, which is most of the worker's cold start; the client only touches
 * an operation's models when that operation is called. So a bundle gets the models of the
 * operations it uses and no others: calling any other operation from a bundle fails loudly
 * (`... is not a constructor`), and the bundle tests and the end-to-end tests run these bundles.
 */
export const ECS_OPERATIONS_USED: Record<string, readonly string[]> = {
  worker: ["CreateImagePipeline"],
};

const ECS_CLIENT_METHOD = /^ {4}async (\w+)\(/;

/**
 * The ECS client class with the methods of `operations` only (`createImagePipeline` and
 * `createImagePipelineWithOptions` for CreateImagePipeline): its ~760 other operation methods are
 * ~1.5 MB of source that every worker cold start reads and compiles. Everything that is not an
 * operation method (constructor, endpoint helpers) stays. If an operation's method is missing, the
 * SDK changed shape and the client is kept whole.
 */
export function ecsClientMethodsOnly(source: string, operations: readonly string[]): string {
  const kept = new Set(
    operations.flatMap((op) => {
      const method = op.charAt(0).toLowerCase() + op.slice(1);
      return [method, `${method}WithOptions`];
    }),
  );
  const lines = source.split("\n");
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const name = ECS_CLIENT_METHOD.exec(lines[i] ?? "")?.[1];
    if (name === undefined) {
      out.push(lines[i] ?? "");
      continue;
    }
    seen.add(name);
    const end = lines.indexOf("    }", i);
    if (end < 0) return source;
    if (kept.has(name)) out.push(...lines.slice(i, end + 1));
    i = end;
  }
  return [...kept].every((m) => seen.has(m)) ? out.join("\n") : source;
}

function ecsModelsOnly(operations: readonly string[]): Plugin {
  return {
    name: "ecs-models-only",
    setup(pluginBuild) {
      pluginBuild.onLoad(
        { filter: /[\\/]@alicloud[\\/]ecs20140526[\\/]dist[\\/]client\.js$/ },
        async (args) => ({
          contents: ecsClientMethodsOnly(await readFile(args.path, "utf8"), operations),
          loader: "js",
        }),
      );
      pluginBuild.onLoad(
        { filter: /[\\/]@alicloud[\\/]ecs20140526[\\/]dist[\\/]models[\\/]model\.js$/ },
        async (args) => {
          const dir = path.dirname(args.path);
          const files = (await readdir(dir)).filter(
            (f) =>
              f.endsWith(".js") &&
              operations.some((op) =>
                new RegExp(`^${op}(Request|Response|ResponseBody|ShrinkRequest)\\.js$`).test(f),
              ),
          );
          const requires = files.map((f) => `require(${JSON.stringify(`./${f}`)})`).join(", ");
          return {
            contents: `"use strict";\nObject.assign(exports, ${requires});\n`,
            loader: "js",
            resolveDir: dir,
          };
        },
      );
    },
  };
}

/**
 * The Tablestore operations the functions call (shared/adapters/tablestore, shared/adapters/provision).
 * `tablestore` requires one generated protobufjs module with all 259 message types of every
 * Tablestore API (2.6 MB of source, ~620 KB minified: three quarters of the submit and status
 * bundles), evaluated at load. Each bundle keeps the messages these operations encode and decode,
 * the error message, every enum (the SDK reads some at load) and the filter messages (conditions),
 * plus everything those reference; the rest of the search, SQL and table-admin messages go. Calling
 * another operation from a bundle fails loudly (`Cannot read properties of undefined`).
 */
export const TABLESTORE_OPERATIONS_USED = [
  "GetRow",
  "PutRow",
  "UpdateRow",
  "DeleteRow",
  "GetRange",
  "BatchGetRow",
  "BatchWriteRow",
  "ListTable",
  "DescribeTable",
  "CreateTable",
  "DeleteTable",
] as const;

const PROTO_BLOCK_START = /^ {8}proto\.(\w+) = \(function\(\) \{$/;
const PROTO_BLOCK_END = "        })();";
const PROTO_NAMESPACE = /^\$root\.(\w+) = \(function\(\) \{$/;

/** The generated module with only the message types `roots` reach; enums always stay. */
export function trimTablestoreProto(source: string, operations: readonly string[]): string {
  const lines = source.split("\n");
  interface Block {
    key: string;
    start: number;
    end: number;
    isEnum: boolean;
    refs: string[];
  }
  const blocks: Block[] = [];
  let namespace = "";
  for (let i = 0; i < lines.length; i++) {
    const ns = PROTO_NAMESPACE.exec(lines[i] ?? "");
    if (ns) namespace = ns[1] ?? "";
    const start = PROTO_BLOCK_START.exec(lines[i] ?? "");
    if (!start) continue;
    const end = lines.indexOf(PROTO_BLOCK_END, i);
    if (end < 0) return source;
    const body = lines.slice(i, end + 1).join("\n");
    blocks.push({
      key: `${namespace}.${start[1]}`,
      start: i,
      end,
      isEnum:
        /var valuesById = \{\}/.test(lines[i + 1] ?? "") ||
        /valuesById/.test(lines.slice(i, i + 12).join("\n")),
      refs: [...body.matchAll(/\$root\.(\w+)\.proto\.(\w+)/g)].map((m) => `${m[1]}.${m[2]}`),
    });
    i = end;
  }
  const byKey = new Map(blocks.map((b) => [b.key, b]));
  const roots = [
    "main.Error",
    ...operations.flatMap((op) => [`main.${op}Request`, `main.${op}Response`]),
    ...blocks.filter((b) => b.isEnum || b.key.startsWith("filter.")).map((b) => b.key),
  ];
  const kept = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const key = pending.pop() as string;
    const block = byKey.get(key);
    if (!block || kept.has(key)) continue;
    kept.add(key);
    pending.push(...block.refs);
  }
  // Any operation we name but the module lacks means the SDK changed shape: keep everything.
  if (roots.some((r) => !byKey.has(r))) return source;
  const dropped = new Set<number>();
  for (const b of blocks) if (!kept.has(b.key)) for (let i = b.start; i <= b.end; i++) dropped.add(i);
  return lines.filter((_, i) => !dropped.has(i)).join("\n");
}

function tablestoreProtoTrimmed(operations: readonly string[]): Plugin {
  return {
    name: "tablestore-proto-trimmed",
    setup(pluginBuild) {
      pluginBuild.onLoad(
        { filter: /[\\/]tablestore[\\/]lib[\\/]protocol[\\/]tablestore_compiled_proto\.js$/ },
        async (args) => ({
          contents: trimTablestoreProto(await readFile(args.path, "utf8"), operations),
          loader: "js",
        }),
      );
    },
  };
}

/**
 * `tablestore`, `int64-buffer` and `protobufjs` 6 (which tablestore uses for 64-bit integers and
 * its messages) and `kitx` (under `@alicloud/mns`) still construct `Buffer`s with `new`, which
 * Node deprecates: the first such call prints a DEP0005 warning to stderr in every fresh instance
 * (every cold start's log gets it) and costs the warning machinery on the first request. The calls are rewritten to what `new Buffer`
 * does today: `Buffer.alloc(size)` (zero-filled) for a number, `Buffer.from(...)` for anything else.
 * A rewrite whose text is not found leaves the file as it is (the warning comes back, nothing breaks).
 */
// The Buffer class is looked up once per module, not at every call: tablestore makes Buffers per
// column on the hot path.
export const BUFFER_OF =
  'var __bufferClass = require("buffer").Buffer; function __bufferOf(first, ...rest) { return typeof first === "number" ? __bufferClass.alloc(first) : __bufferClass.from(first, ...rest); }';

/** `new Buffer(` and tablestore's `new TableStore.util.Buffer(` (the same class). */
const LEGACY_BUFFER_CALLS = /new (TableStore\.util\.)?Buffer\(/g;
const LEGACY_BUFFER_CALL = new RegExp(LEGACY_BUFFER_CALLS.source);

export const LEGACY_BUFFER_REWRITES: readonly { file: RegExp; rewrite: (source: string) => string }[] = [
  {
    file: /[\\/]node_modules[\\/](tablestore[\\/]lib|(@alicloud[\\/]mns[\\/]node_modules[\\/])?kitx[\\/]lib)[\\/].*\.js$/,
    rewrite: (source) =>
      LEGACY_BUFFER_CALL.test(source)
        ? `${BUFFER_OF}\n${source.replace(LEGACY_BUFFER_CALLS, "__bufferOf(")}`
        : source,
  },
  {
    // int64-buffer keeps the constructor in a variable and calls `new BUFFER(8)` (also through its
    // `storage` variable); a plain function returning an object works the same under `new`.
    file: /[\\/]node_modules[\\/]int64-buffer[\\/]int64-buffer\.js$/,
    rewrite: (source) =>
      source.replace(
        "var BUFFER = (UNDEFINED !== typeof Buffer) && Buffer;",
        `${BUFFER_OF}\n  var BUFFER = (UNDEFINED !== typeof Buffer) && __bufferOf;`,
      ),
  },
  {
    // protobufjs 6 reads an empty `bytes` field as `new this.buf.constructor(0)`: `new Buffer(0)`.
    file: /[\\/]node_modules[\\/]protobufjs[\\/]src[\\/]reader\.js$/,
    rewrite: (source) =>
      source.replace(
        "? new this.buf.constructor(0)",
        '? (typeof this.buf.constructor.alloc === "function" ? this.buf.constructor.alloc(0) : new this.buf.constructor(0))',
      ),
  },
];

function legacyBufferCallsReplaced(): Plugin {
  return {
    name: "legacy-buffer-calls-replaced",
    setup(pluginBuild) {
      for (const { file, rewrite } of LEGACY_BUFFER_REWRITES) {
        pluginBuild.onLoad({ filter: file }, async (args) => {
          const source = await readFile(args.path, "utf8");
          const rewritten = rewrite(source);
          return rewritten === source ? undefined : { contents: rewritten, loader: "js" };
        });
      }
    },
  };
}

/**
 * Built-in modules a module requires at load but only uses on paths a cold start may never take:
 * `@middy/core` needs `node:stream/web` for streamed responses only (ours are not), `httpx` (under
 * `@alicloud/mns`) needs `zlib` only for compressed responses, and our own adapters need
 * `node:https` only for an https endpoint (the Tablestore SDK itself already requires it on first
 * https use; `httpx` does at load, so submit still loads it). Each is loaded on the first property
 * read instead of at every cold start (`node:https` with TLS: ~5 ms).
 */
export const BUILTINS_LOADED_ON_USE: Readonly<Record<string, RegExp>> = {
  "node:stream/web": /[\\/]node_modules[\\/]@middy[\\/]core[\\/]/,
  zlib: /[\\/]node_modules[\\/]httpx[\\/]/,
  "node:https": /^(?!.*[\\/]node_modules[\\/]).*[\\/]shared[\\/]/,
};

const requireBuiltin = createRequire(import.meta.url);

export function builtinsLoadedOnUse(): Plugin {
  const names = Object.keys(BUILTINS_LOADED_ON_USE);
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[/]/g, "\\/")).join("|")})$`);
  return {
    name: "builtins-loaded-on-use",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter }, (args) =>
        BUILTINS_LOADED_ON_USE[args.path]?.test(args.importer)
          ? { path: args.path, namespace: "on-use" }
          : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: "on-use" }, (args) => {
        // One getter per export, not a Proxy: the bundler copies an ES importer's view of a CommonJS
        // module property by property, which a Proxy's missing own keys would leave empty. The
        // require inside resolves normally (the importer is this module), to the real built-in.
        const getters = Object.keys(requireBuiltin(args.path)).map(
          (key) => `${JSON.stringify(key)}: { get: () => load()[${JSON.stringify(key)}], enumerable: true }`,
        );
        return {
          contents: `const load = () => require(${JSON.stringify(args.path)});\nObject.defineProperties(module.exports, { ${getters.join(", ")} });\n`,
          loader: "js",
        };
      });
    },
  };
}

const BUNDLE_FILE = "bundle.js";
const CACHE_FILE = "bundle.js.cache";

/**
 * `index.js`, the file FC loads: it compiles `bundle.js` with the V8 code cache made at build time,
 * so a cold start skips most of the parsing and compiling (the ECS SDK alone is ~3 MB of
 * JavaScript). The cache is only valid for the V8 that made it: FC's nodejs20 may run another
 * patch release, and then V8 rejects the cache and compiles normally, which is slower but correct.
 * With FC_PRODUCE_CODE_CACHE set, it writes the cache when the process exits with code 0: after the
 * bundle's top level when nothing else runs (`produceCodeCache`), or after an answered invocation
 * (`scripts/warm-code-cache.ts`), so that the cache also holds what the first request compiles.
 */
const CODE_CACHE_LOADER = `"use strict";
const fs = require("fs"), path = require("path"), vm = require("vm"), Module = require("module");
const file = path.join(__dirname, ${JSON.stringify(BUNDLE_FILE)});
const cacheFile = path.join(__dirname, ${JSON.stringify(CACHE_FILE)});
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
const bundle = { exports: {} };
script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, __dirname);
module.exports = bundle.exports;
if (process.env.FC_PRODUCE_CODE_CACHE) process.once("exit", (code) => { if (code === 0) fs.writeFileSync(cacheFile, script.createCachedData()); });
`;

/** Loads the bundle once in a fresh Node process to write its code cache; returns its size. */
async function produceCodeCache(outdir: string): Promise<number> {
  const { execFile } = await import("node:child_process");
  await new Promise<void>((resolve) => {
    execFile(
      process.execPath,
      [path.join(outdir, "index.js")],
      { env: { ...process.env, FC_PRODUCE_CODE_CACHE: "1" }, timeout: 60_000 },
      () => resolve(),
    );
  });
  return stat(path.join(outdir, CACHE_FILE)).then(
    (s) => s.size,
    () => 0,
  );
}

export async function listFunctions(): Promise<string[]> {
  const entries = await readdir(path.join(root, "functions"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export interface BundleTarget {
  /** The function the bundle serves: selects the trimming (`ECS_OPERATIONS_USED`, ...). */
  name: string;
  entryPoint: string;
  /** Receives `index.js` (the loader FC runs), `bundle.js`, its map and its code cache. */
  outdir: string;
}

/** One FC bundle from any entry, built exactly as the functions' bundles are. */
export async function buildBundle({ name, entryPoint, outdir }: BundleTarget): Promise<BundleReport> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entryPoint],
    outfile: path.join(outdir, BUNDLE_FILE),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
    // `tablestore` assigns to variables it never declares (`for (pro in ...)`, `key`, `size`,
    // `sub`): sloppy-mode globals that throw under the "use strict" our ES modules put at the
    // top of the bundle. Declaring them here keeps them local to the bundle.
    banner: { js: "var key, size, pro, sub;" },
    plugins: [
      tablestoreProtoTrimmed(TABLESTORE_OPERATIONS_USED),
      legacyBufferCallsReplaced(),
      builtinsLoadedOnUse(),
      ...(ECS_OPERATIONS_USED[name] ? [ecsModelsOnly(ECS_OPERATIONS_USED[name])] : []),
    ],
  });
  // The project root is an ES module package; this marker keeps Node (and the local FC runtime)
  // loading the bundle as CommonJS, as FC does.
  await writeFile(path.join(outdir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  await writeFile(path.join(outdir, "index.js"), CODE_CACHE_LOADER);
  const cacheBytes = await produceCodeCache(outdir);
  return {
    name,
    file: path.join(outdir, "index.js"),
    bytes: (await stat(path.join(outdir, BUNDLE_FILE))).size,
    cacheBytes,
    inputs: Object.keys((result.metafile as Metafile).inputs),
  };
}

export async function buildFunctions(outRoot = path.join(root, "dist")): Promise<BundleReport[]> {
  const reports: BundleReport[] = [];
  for (const name of await listFunctions()) {
    reports.push(
      await buildBundle({
        name,
        entryPoint: path.join(root, "functions", name, "index.ts"),
        outdir: path.join(outRoot, name),
      }),
    );
  }
  return reports;
}

/** Returns one message per bundle that breaks a bundling rule; empty when all hold. */
export function verifyBundles(reports: BundleReport[]): string[] {
  const problems: string[] = [];
  for (const report of reports) {
    if (!(FUNCTIONS_WITHOUT_ECS as readonly string[]).includes(report.name)) continue;
    const ecs = report.inputs.filter((input) => ECS_SDK_MARKERS.some((m) => input.includes(m)));
    if (ecs.length > 0) {
      problems.push(`${report.name} bundle contains ECS SDK code (${ecs.length} files, e.g. ${ecs[0]})`);
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const reports = await buildFunctions();
  for (const r of reports) {
    const ecsFiles = r.inputs.filter((i) => ECS_SDK_MARKERS.some((m) => i.includes(m))).length;
    console.log(
      `${r.name.padEnd(12)} ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB bundle  ${(r.cacheBytes / 1024).toFixed(1).padStart(8)} KiB code cache  ${String(r.inputs.length).padStart(5)} inputs  ecs-sdk files: ${ecsFiles}  ${path.relative(root, path.dirname(r.file))}/`,
    );
  }
  const problems = verifyBundles(reports);
  if (problems.length > 0) {
    for (const p of problems) console.error(`build: ${p}`);
    process.exit(1);
  }
  // BUILD_WARM_CACHE=0 skips the warm-up (it starts the local stack for a few seconds).
  if (process.env.BUILD_WARM_CACHE !== "0") {
    const { warmCodeCaches } = await import("./warm-code-cache");
    for (const w of await warmCodeCaches(path.join(root, "dist"))) {
      console.log(
        w.problem
          ? `${w.name.padEnd(12)} code cache NOT warmed (kept the load-time cache): ${w.problem}`
          : `${w.name.padEnd(12)} ${(w.cacheBytes / 1024).toFixed(1).padStart(8)} KiB code cache after one answered invocation`,
      );
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
