/**
 * The web console's files (docs/console.md): console/main.ts and console/style.css bundled for the
 * browser into `dist/status/console/` with content-hashed names, and console/index.html written
 * there with those names and their Subresource Integrity hashes. They sit beside the status
 * bundle, which reads them from disk only when a console route is asked for
 * (shared/http/console-pages.ts): none of this code is in `bundle.js`, so the status function's
 * cold start does not grow.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { build, type Metafile } from "esbuild";

/** The function whose bundle serves the console. */
export const CONSOLE_FUNCTION = "status";
/** The folder beside that bundle (shared/composition/status.ts `consoleDirectory`). */
export const CONSOLE_DIR = "console";
const ENTRIES = ["console/main.ts", "console/style.css"];

export interface ConsoleAssetsReport {
  files: { name: string; bytes: number }[];
  /** Every source file in the browser bundle: none may appear in the function's bundle. */
  inputs: string[];
}

const integrity = (bytes: Buffer): string => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

export async function buildConsoleAssets(root: string, outdir: string): Promise<ConsoleAssetsReport> {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir,
    entryNames: "[name]-[hash]",
    bundle: true,
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    format: "iife",
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const metafile = result.metafile as Metafile;
  let page = await readFile(path.join(root, "console/index.html"), "utf8");
  const files: ConsoleAssetsReport["files"] = [];
  for (const [output, meta] of Object.entries(metafile.outputs)) {
    const name = path.basename(output);
    const entry = meta.entryPoint ? path.basename(meta.entryPoint).replace(/\.ts$/, ".js") : name;
    const bytes = await readFile(path.join(root, output));
    page = page.replaceAll(`{{${entry}}}`, name).replaceAll(`{{${entry}.integrity}}`, integrity(bytes));
    files.push({ name, bytes: bytes.length });
  }
  const unfilled = /\{\{[^}]+\}\}/.exec(page);
  if (unfilled) throw new Error(`console/index.html names ${unfilled[0]}, which the build did not produce`);
  await writeFile(path.join(outdir, "index.html"), page);
  files.push({ name: "index.html", bytes: (await stat(path.join(outdir, "index.html"))).size });
  return { files, inputs: Object.keys(metafile.inputs) };
}
