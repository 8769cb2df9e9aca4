import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { builtinsLoadedOnUse } from "../../../scripts/build/builtins-loaded-on-use";

// Bundles the installed packages whose built-in imports the plugin defers: an update that stops
// importing one (or imports it from elsewhere) fails here and fails the build.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const onUseShim = (builtin: string) => `const load = () => require(${JSON.stringify(builtin)});`;

const bundle = (entry: string, absWorkingDir: string) =>
  build({
    absWorkingDir,
    stdin: { contents: entry, resolveDir: absWorkingDir, loader: "js" },
    bundle: true,
    write: false,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    plugins: [builtinsLoadedOnUse()],
  });

describe("builtins-loaded-on-use on the installed packages", () => {
  it("defers @middy/core's node:stream/web and httpx's zlib", async () => {
    const result = await bundle('require("@middy/core"); require("httpx");', root);
    const output = result.outputFiles[0]?.text ?? "";
    // esbuild prints the shim's `const` as `var` in a CommonJS bundle.
    for (const builtin of ["node:stream/web", "zlib"]) {
      expect(output, builtin).toContain(onUseShim(builtin).replace("const", "var"));
      // ... and the shim is the only place that requires it.
      expect(output.split(`require(${JSON.stringify(builtin)})`), builtin).toHaveLength(2);
    }
  }, 30_000);

  it("fails the build when a package in the bundle no longer imports its built-in", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "on-use-shape-"));
    try {
      await mkdir(path.join(dir, "node_modules/@middy/core"), { recursive: true });
      await writeFile(
        path.join(dir, "node_modules/@middy/core/package.json"),
        JSON.stringify({ name: "@middy/core", main: "index.js" }),
      );
      // A middy that no longer needs node:stream/web at load.
      await writeFile(path.join(dir, "node_modules/@middy/core/index.js"), "module.exports = () => ({});\n");
      await expect(bundle('require("@middy/core");', dir)).rejects.toThrow(
        /builtins-loaded-on-use: @middy\/core is in the bundle but no longer imports node:stream\/web\. .*scripts\/build\/builtins-loaded-on-use\.ts/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
