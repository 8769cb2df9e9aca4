/**
 * Bundles each Function Compute function into `dist/<function>/index.js`: one CommonJS file that
 * exports `handler`, which is what the `nodejs20` runtime loads as `index.handler`.
 *
 * Why one bundle per function: FC cold start is dominated by module loading (see bench/), and the
 * ECS SDK alone is ~3,400 files. A bundle holds only what its function imports, so submit and
 * status never pay for the ECS SDK; `verifyBundles` fails the build if one of them does.
 */
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Functions that must never carry the ECS SDK: they only validate, store, queue and read. */
export const FUNCTIONS_WITHOUT_ECS = ["submit", "status"] as const;

/** Module path fragments that identify ECS SDK code inside a bundle's inputs. */
export const ECS_SDK_MARKERS = [
  "node_modules/@alicloud/ecs20140526/",
  "node_modules/@alicloud/openapi-core/",
];

export interface BundleReport {
  name: string;
  file: string;
  bytes: number;
  /** Every source file esbuild put into the bundle, relative to the project root. */
  inputs: string[];
}

export async function listFunctions(): Promise<string[]> {
  const entries = await readdir(path.join(root, "functions"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export async function buildFunctions(outRoot = path.join(root, "dist")): Promise<BundleReport[]> {
  const names = await listFunctions();
  const reports: BundleReport[] = [];
  for (const name of names) {
    const outdir = path.join(outRoot, name);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const result = await build({
      absWorkingDir: root,
      entryPoints: [path.join(root, "functions", name, "index.ts")],
      outfile: path.join(outdir, "index.js"),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify: true,
      sourcemap: "linked",
      metafile: true,
      legalComments: "none",
      logLevel: "warning",
      alias: {
        // @alicloud/mns picks its ES5 build at run time; the bundler would follow both and fail on
        // the ES5 build's babel-runtime import (reference/performance.md).
        "@alicloud/mns": "@alicloud/mns/lib/client.js",
      },
    });
    // The project root is an ES module package; this marker keeps Node (and the local FC runtime)
    // loading the bundle as CommonJS, as FC does.
    await writeFile(path.join(outdir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
    const file = path.join(outdir, "index.js");
    reports.push({
      name,
      file,
      bytes: (await stat(file)).size,
      inputs: Object.keys((result.metafile as Metafile).inputs),
    });
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
      `${r.name.padEnd(12)} ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB  ${String(r.inputs.length).padStart(5)} inputs  ecs-sdk files: ${ecsFiles}  ${path.relative(root, r.file)}`,
    );
  }
  const problems = verifyBundles(reports);
  if (problems.length > 0) {
    for (const p of problems) console.error(`build: ${p}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
