/**
 * The code-cache loader: `index.js` beside each bundle, and the build-time V8 code cache it reads.
 * Not an esbuild plugin: scripts/build.ts writes both after bundling.
 *
 * Measured (bench/RESULTS.md): the build-time cache alone has no isolated figure there (it came with
 * the ECS model trim, commit 1f21da5); the profile of the "Before" section shows the cache accepted
 * and compiling the 1.9 MB worker bundle at ~47-50 ms with it. Remaking it after one answered
 * invocation (scripts/warm-code-cache.ts) gained submit 178.8 -> 170.6 ms, status 152.0 -> 149.5 ms,
 * worker 227.0 -> 214.5 ms (20 interleaved runs). Any V8 flag makes Node reject the cache (+50 ms).
 *
 * Written for: Node 20's `vm.Script` `cachedData` / `createCachedData()`; a cache from another V8
 * is rejected by V8 and the bundle compiled normally (slower, still correct).
 *
 * How to drop it: write the bundle as `index.js` and skip `produceCodeCache`; every cold start then
 * parses and compiles the whole bundle.
 */
import { stat } from "node:fs/promises";
import path from "node:path";

export const BUNDLE_FILE = "bundle.js";
export const CACHE_FILE = "bundle.js.cache";

/**
 * `index.js`, the file FC loads: it compiles `bundle.js` with the V8 code cache made at build time,
 * so a cold start skips most of the parsing and compiling (the ECS SDK alone is ~3 MB of
 * JavaScript). The cache is only valid for the V8 that made it: FC's nodejs20 may run another
 * patch release, and then V8 rejects the cache and compiles normally, which is slower but correct.
 * With FC_PRODUCE_CODE_CACHE set, it writes the cache when the process exits with code 0: after the
 * bundle's top level when nothing else runs (`produceCodeCache`), or after an answered invocation
 * (`scripts/warm-code-cache.ts`), so that the cache also holds what the first request compiles.
 */
export const CODE_CACHE_LOADER = `"use strict";
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
export async function produceCodeCache(outdir: string): Promise<number> {
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
