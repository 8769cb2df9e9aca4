/**
 * esbuild plugin `builtins-loaded-on-use`: Node built-ins that a module requires at load but uses only
 * on paths a cold start may never take are loaded on the first property read instead.
 *
 * What it does: `@middy/core` needs `node:stream/web` for streamed responses only (ours are not),
 * `httpx` (under `@alicloud/mns`) needs `zlib` only for compressed responses, and our own adapters
 * need `node:https` only for an https endpoint (the Tablestore SDK itself already requires it on
 * first https use; `httpx` does at load, so submit still loads it). The plugin resolves those
 * imports, from those importers only, to a module of getters that `require` the built-in on the
 * first read. It patches no source text.
 *
 * Measured gain (bench/RESULTS.md, "What changed in this round", change 2; together with the warm
 * code cache and `legacy-buffer-calls-replaced`, 12 interleaved runs): submit 173.4 -> 164.0 ms,
 * worker 220.2 -> 212.6 ms, status min 143.6 -> 135.5 ms; `node:https` with TLS alone is ~5 ms.
 *
 * Written for: @middy/core 6.4.5 (`index.js` imports `node:stream/web`), httpx 2.3.3 (`lib/index.js`
 * requires `zlib`). When a bundle holds one of these packages but the package no longer imports its
 * built-in, the build fails with a message naming this file (the entry has nothing left to do);
 * test/integration/build/builtins-loaded-on-use.test.ts bundles the installed packages.
 *
 * How to drop it: remove it from the plugin list in scripts/build.ts (or one entry of
 * `BUILTINS_LOADED_ON_USE`); those built-ins load at every cold start again, nothing else changes.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { Plugin } from "esbuild";

export interface BuiltinLoadedOnUse {
  builtin: string;
  /** Absolute paths of the modules whose import of `builtin` is deferred. */
  importers: RegExp;
  /** The package those importers belong to; none for our own code, which the build does not check. */
  package?: string;
}

export const BUILTINS_LOADED_ON_USE: readonly BuiltinLoadedOnUse[] = [
  {
    builtin: "node:stream/web",
    importers: /[\\/]node_modules[\\/]@middy[\\/]core[\\/]/,
    package: "@middy/core",
  },
  { builtin: "zlib", importers: /[\\/]node_modules[\\/]httpx[\\/]/, package: "httpx" },
  { builtin: "node:https", importers: /^(?!.*[\\/]node_modules[\\/]).*[\\/]shared[\\/]/ },
];

const requireBuiltin = createRequire(import.meta.url);

/** One getter per export, each loading the built-in on first use. */
function onUseModule(builtin: string): string {
  // Not a Proxy: the bundler copies an ES importer's view of a CommonJS module property by property,
  // which a Proxy's missing own keys would leave empty. The require inside resolves normally (the
  // importer is this module), to the real built-in.
  const getters = Object.keys(requireBuiltin(builtin)).map(
    (key) => `${JSON.stringify(key)}: { get: () => load()[${JSON.stringify(key)}], enumerable: true }`,
  );
  return `const load = () => require(${JSON.stringify(builtin)});\nObject.defineProperties(module.exports, { ${getters.join(", ")} });\n`;
}

export function builtinsLoadedOnUse(): Plugin {
  const byBuiltin = new Map(BUILTINS_LOADED_ON_USE.map((entry) => [entry.builtin, entry]));
  const filter = new RegExp(`^(${[...byBuiltin.keys()].map((n) => n.replace(/[/]/g, "\\/")).join("|")})$`);
  return {
    name: "builtins-loaded-on-use",
    setup(pluginBuild) {
      // The end-of-build check needs the bundle's inputs.
      pluginBuild.initialOptions.metafile = true;
      const deferred = new Set<BuiltinLoadedOnUse>();
      pluginBuild.onStart(() => deferred.clear());
      pluginBuild.onResolve({ filter }, (args) => {
        const entry = byBuiltin.get(args.path);
        if (!entry?.importers.test(args.importer)) return undefined;
        deferred.add(entry);
        return { path: args.path, namespace: "on-use" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "on-use" }, (args) => ({
        contents: onUseModule(args.path),
        loader: "js",
      }));
      pluginBuild.onEnd((result) => {
        const workingDir = pluginBuild.initialOptions.absWorkingDir ?? process.cwd();
        const inputs = Object.keys(result.metafile?.inputs ?? {}).map((i) => path.resolve(workingDir, i));
        const stale = BUILTINS_LOADED_ON_USE.filter(
          (entry) => entry.package && !deferred.has(entry) && inputs.some((i) => entry.importers.test(i)),
        );
        return {
          errors: stale.map((entry) => ({
            text: `builtins-loaded-on-use: ${entry.package} is in the bundle but no longer imports ${entry.builtin}. The package changed shape: drop its entry in scripts/build/builtins-loaded-on-use.ts.`,
          })),
        };
      });
    },
  };
}
