/**
 * esbuild plugin `legacy-buffer-calls-replaced`: no deprecated `new Buffer(...)` in the bundles.
 *
 * What it does: `tablestore`, `int64-buffer` and `protobufjs` 6 (which tablestore uses for 64-bit
 * integers and its messages) and `kitx` (under `@alicloud/mns`) still construct `Buffer`s with `new`,
 * which Node deprecates: the first such call prints a DEP0005 warning to stderr in every fresh
 * instance (every cold start's log gets it) and costs the warning machinery on the first request.
 * The calls are rewritten to what `new Buffer` does today: `Buffer.alloc(size)` (zero-filled) for a
 * number, `Buffer.from(...)` for anything else.
 *
 * Measured gain (bench/RESULTS.md, "What changed in this round", change 2; together with the warm
 * code cache and `builtins-loaded-on-use`, 12 interleaved runs): submit 173.4 -> 164.0 ms, worker
 * 220.2 -> 212.6 ms, status unchanged by median (min 143.6 -> 135.5 ms); and no DEP0005 line in
 * every cold start's log.
 *
 * Written for: tablestore 5.6.5 (`new Buffer(` and `new TableStore.util.Buffer(` in lib/), kitx
 * 1.3.0 under @alicloud/mns 1.2.0, int64-buffer 0.1.9 (`var BUFFER = (UNDEFINED !== typeof Buffer)
 * && Buffer;`), protobufjs 6.11.6 (`src/reader.js`: `? new this.buf.constructor(0)`). Calls are
 * matched as tokens (any spacing) in code only. A file whose rewrite is written for one exact
 * construction (int64-buffer, protobufjs) fails the build when that construction is gone;
 * test/integration/build/legacy-buffer-calls-replaced.test.ts fails on the installed packages.
 *
 * How to drop it: when those packages stop calling `new Buffer` (or the warning no longer matters),
 * remove it from the plugin list in scripts/build.ts; the DEP0005 warning comes back, nothing breaks.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";
import { codeMask } from "./js-scan";

// The Buffer class is looked up once per module, not at every call: tablestore makes Buffers per
// column on the hot path.
export const BUFFER_OF =
  'var __bufferClass = require("buffer").Buffer; function __bufferOf(first, ...rest) { return typeof first === "number" ? __bufferClass.alloc(first) : __bufferClass.from(first, ...rest); }';

/** `new Buffer(` and tablestore's `new TableStore.util.Buffer(` (the same class), in any spacing. */
const LEGACY_BUFFER_CALL = /(?<![\w$.])new\s+(?:TableStore\s*\.\s*util\s*\.\s*)?Buffer\s*\(/g;

export class LegacyBufferShapeError extends Error {
  constructor(file: string, what: string) {
    super(
      `legacy-buffer-calls-replaced: ${file} ${what}. The package changed shape: adapt or drop its rewrite in scripts/build/legacy-buffer-calls-replaced.ts.`,
    );
  }
}

/** Every `new Buffer(` in code (not comments or strings) made `__bufferOf(`; unchanged if none. */
export function legacyBufferCallsRewritten(source: string): string {
  const mask = codeMask(source);
  let found = false;
  const rewritten = source.replace(LEGACY_BUFFER_CALL, (call, offset: number) => {
    if (mask[offset] !== 1) return call;
    found = true;
    return "__bufferOf(";
  });
  return found ? `${BUFFER_OF}\n${rewritten}` : source;
}

/** `source` with the one match of `pattern` replaced; throws when there is none. */
function replaceExactlyOnce(file: string, source: string, pattern: RegExp, replacement: string): string {
  const count = source.match(new RegExp(pattern.source, "g"))?.length ?? 0;
  if (count !== 1) throw new LegacyBufferShapeError(file, `has ${count} matches of ${pattern}, not 1`);
  return source.replace(pattern, replacement);
}

export interface LegacyBufferRewrite {
  /** The files of a package this rewrite applies to. */
  file: RegExp;
  rewrite: (source: string) => string;
}

export const LEGACY_BUFFER_REWRITES: readonly LegacyBufferRewrite[] = [
  {
    // Many files of these packages build Buffers; the ones that do not are left as they are.
    file: /[\\/]node_modules[\\/](tablestore[\\/]lib|(@alicloud[\\/]mns[\\/]node_modules[\\/])?kitx[\\/]lib)[\\/].*\.js$/,
    rewrite: legacyBufferCallsRewritten,
  },
  {
    // int64-buffer keeps the constructor in a variable and calls `new BUFFER(8)` (also through its
    // `storage` variable); a plain function returning an object works the same under `new`.
    file: /[\\/]node_modules[\\/]int64-buffer[\\/]int64-buffer\.js$/,
    rewrite: (source) =>
      replaceExactlyOnce(
        "int64-buffer/int64-buffer.js",
        source,
        /\bvar\s+BUFFER\s*=\s*\(\s*UNDEFINED\s*!==\s*typeof\s+Buffer\s*\)\s*&&\s*Buffer\s*;/,
        `${BUFFER_OF}\n  var BUFFER = (UNDEFINED !== typeof Buffer) && __bufferOf;`,
      ),
  },
  {
    // protobufjs 6 reads an empty `bytes` field as `new this.buf.constructor(0)`: `new Buffer(0)`.
    file: /[\\/]node_modules[\\/]protobufjs[\\/]src[\\/]reader\.js$/,
    rewrite: (source) =>
      replaceExactlyOnce(
        "protobufjs/src/reader.js",
        source,
        /\?\s*new\s+this\s*\.\s*buf\s*\.\s*constructor\s*\(\s*0\s*\)/,
        '? (typeof this.buf.constructor.alloc === "function" ? this.buf.constructor.alloc(0) : new this.buf.constructor(0))',
      ),
  },
];

export function legacyBufferCallsReplaced(): Plugin {
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
