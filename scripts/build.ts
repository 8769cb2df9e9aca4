/**
 * Bundles each Function Compute function into `dist/<function>/index.js`: one CommonJS file that
 * exports `handler`, which is what the `nodejs20` runtime loads as `index.handler`.
 *
 * Why one bundle per function: FC cold start is dominated by module loading (see bench/), and the
 * ECS SDK alone is ~3,400 files. A bundle holds only what its function imports, so submit and
 * status never pay for the ECS SDK; `verifyBundles` fails the build if one of them does.
 *
 * The esbuild plugins that trim or patch dependencies live in scripts/build/, one file each, headed
 * by what it does, its measured gain, the package versions it was written for and how to drop it;
 * the loader FC runs (`index.js`) and its code cache in scripts/build/code-cache-loader.ts.
 */
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { BUILTINS_LOADED_ON_USE, builtinsLoadedOnUse } from "./build/builtins-loaded-on-use";
import { BUNDLE_FILE, CODE_CACHE_LOADER, produceCodeCache } from "./build/code-cache-loader";
import { buildConsoleAssets, CONSOLE_DIR, CONSOLE_FUNCTION } from "./build/console-assets";
import { ECS_OPERATIONS_USED, ecsClientMethodsOnly, ecsModelsOnly } from "./build/ecs-models-only";
import {
  BUFFER_OF,
  LEGACY_BUFFER_REWRITES,
  legacyBufferCallsReplaced,
} from "./build/legacy-buffer-calls-replaced";
import {
  TABLESTORE_OPERATIONS_USED,
  tablestoreProtoTrimmed,
  trimTablestoreProto,
} from "./build/tablestore-proto-trimmed";

export {
  BUFFER_OF,
  BUILTINS_LOADED_ON_USE,
  builtinsLoadedOnUse,
  ECS_OPERATIONS_USED,
  ecsClientMethodsOnly,
  LEGACY_BUFFER_REWRITES,
  TABLESTORE_OPERATIONS_USED,
  trimTablestoreProto,
};

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
  /** The web console's files beside the bundle (status only), not part of it. */
  assets?: { name: string; bytes: number }[];
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
    const outdir = path.join(outRoot, name);
    const report = await buildBundle({
      name,
      entryPoint: path.join(root, "functions", name, "index.ts"),
      outdir,
    });
    if (name === CONSOLE_FUNCTION)
      report.assets = (await buildConsoleAssets(root, path.join(outdir, CONSOLE_DIR))).files;
    reports.push(report);
  }
  return reports;
}

/** Returns one message per bundle that breaks a bundling rule; empty when all hold. */
export function verifyBundles(reports: BundleReport[]): string[] {
  const problems: string[] = [];
  for (const report of reports) {
    // The console is files beside the status bundle, read on its own routes: never in a bundle.
    const consoleCode = report.inputs.filter((input) => input.startsWith(`${CONSOLE_DIR}/`));
    if (consoleCode.length > 0)
      problems.push(`${report.name} bundle contains the web console's code (e.g. ${consoleCode[0]})`);
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
  for (const r of reports.filter((report) => report.assets)) {
    const files = (r.assets ?? []).map((a) => `${a.name} ${(a.bytes / 1024).toFixed(1)} KiB`).join(", ");
    console.log(`${r.name.padEnd(12)} web console beside the bundle: ${files}`);
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
