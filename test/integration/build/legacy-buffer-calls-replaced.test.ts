import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { codeMask } from "../../../scripts/build/js-scan";
import {
  LEGACY_BUFFER_REWRITES,
  legacyBufferCallsReplaced,
  legacyBufferCallsRewritten,
} from "../../../scripts/build/legacy-buffer-calls-replaced";

// Runs the rewrites over the installed packages: an update that changes the constructions they
// rewrite fails here, before the DEP0005 warning comes back (or a build fails).
const require = createRequire(import.meta.url);
const rewriteOf = (file: string) => {
  const rewrite = LEGACY_BUFFER_REWRITES.find((r) => r.file.test(file));
  if (!rewrite) throw new Error(`no rewrite matches ${file}`);
  return rewrite.rewrite;
};
/** Deprecated constructions left in code (comments and strings do not count). */
const legacyCallsIn = (source: string): number => {
  const mask = codeMask(source);
  return [...source.matchAll(/\bnew\s+(TableStore\.util\.)?Buffer\s*\(/g)].filter((m) => mask[m.index] === 1)
    .length;
};

describe("legacy-buffer-calls-replaced on the installed packages", () => {
  it.each([
    ["tablestore/lib/util.js"],
    ["tablestore/lib/event_listeners.js"],
    ["tablestore/lib/protocol/plain_buffer_stream.js"],
    ["tablestore/lib/protocol/plain_buffer_crc8.js"],
    ["tablestore/lib/http/node.js"],
    [path.join(path.dirname(require.resolve("@alicloud/mns")), "node_modules/kitx/lib/index.js")],
  ])("leaves no `new Buffer(` in the code of %s", async (file) => {
    const resolved = require.resolve(file);
    const source = await readFile(resolved, "utf8");
    expect(legacyCallsIn(source)).toBeGreaterThan(0);
    const rewritten = rewriteOf(resolved)(source);
    expect(legacyCallsIn(rewritten)).toBe(0);
    expect(rewritten).toContain("__bufferOf(");
  });

  it("rewrites int64-buffer's and protobufjs's one construction each", async () => {
    for (const [file, rewrittenText] of [
      ["int64-buffer/int64-buffer.js", "&& __bufferOf;"],
      ["protobufjs/src/reader.js", "this.buf.constructor.alloc(0)"],
    ] as const) {
      const resolved = require.resolve(file);
      expect(rewriteOf(resolved)(await readFile(resolved, "utf8")), file).toContain(rewrittenText);
    }
  });

  it("matches calls as tokens: any spacing, not in comments or strings", () => {
    const source =
      'a = new  Buffer (8); b = new TableStore.util.Buffer("x"); // new Buffer(1)\nc = "new Buffer(2)";';
    const rewritten = legacyBufferCallsRewritten(source);
    expect(rewritten.split("\n").slice(1).join("\n")).toBe(
      'a = __bufferOf(8); b = __bufferOf("x"); // new Buffer(1)\nc = "new Buffer(2)";',
    );
    expect(legacyBufferCallsRewritten("a = Buffer.alloc(1);")).toBe("a = Buffer.alloc(1);");
  });

  it("fails with the plugin's name when int64-buffer or protobufjs changed the construction", async () => {
    const int64 = require.resolve("int64-buffer/int64-buffer.js");
    const reader = require.resolve("protobufjs/src/reader.js");
    const int64Altered = (await readFile(int64, "utf8")).replace(
      /var BUFFER = [^;]*;/,
      "var BUFFER = Buffer;",
    );
    const readerAltered = (await readFile(reader, "utf8")).replace(
      "new this.buf.constructor(0)",
      "this.buf.slice(0, 0)",
    );
    expect(() => rewriteOf(int64)(int64Altered)).toThrow(
      /^legacy-buffer-calls-replaced: int64-buffer\/int64-buffer\.js has 0 matches .*scripts\/build\/legacy-buffer-calls-replaced\.ts/,
    );
    expect(() => rewriteOf(reader)(readerAltered)).toThrow(
      /^legacy-buffer-calls-replaced: protobufjs\/src\/reader\.js has 0/,
    );
  });

  it("fails the build, not only the function, on such a change", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "legacy-buffer-"));
    try {
      await mkdir(path.join(dir, "node_modules/int64-buffer"), { recursive: true });
      await writeFile(
        path.join(dir, "node_modules/int64-buffer/int64-buffer.js"),
        "exports.BUFFER = Buffer;\n",
      );
      await writeFile(
        path.join(dir, "entry.js"),
        'module.exports = require("./node_modules/int64-buffer/int64-buffer.js");\n',
      );
      const bundling = build({
        entryPoints: [path.join(dir, "entry.js")],
        bundle: true,
        write: false,
        platform: "node",
        logLevel: "silent",
        plugins: [legacyBufferCallsReplaced()],
      });
      await expect(bundling).rejects.toThrow(
        /legacy-buffer-calls-replaced: int64-buffer\/int64-buffer\.js has 0 matches/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
