/**
 * esbuild plugin `ecs-models-only`: the worker's ECS SDK holds only the operations it calls.
 *
 * What it does: `@alicloud/ecs20140526`'s `dist/models/model.js` requires all ~3,450 model files at
 * load, and its `Client` class has ~760 operation methods (~1.5 MB of source) that every cold start
 * reads and compiles; the client touches an operation's models and method only when that operation
 * is called. The plugin replaces the model index with the models of `ECS_OPERATIONS_USED` and strips
 * every other `async` operation method from `Client` (constructor and endpoint helpers stay).
 * Calling any other operation from a bundle fails loudly (`... is not a constructor` /
 * `... is not a function`); the bundle and end-to-end tests run these bundles.
 *
 * Measured gain (bench/RESULTS.md, "Cold start after the bundle work"): the model index made the
 * worker bundle 3.6 MB -> 1.1 MB (commit 1f21da5, worker load ~0.7 s -> ~0.35 s on a noisy machine);
 * the method strip took the worker bundle 1487 -> 1043 KiB and its cold start 254.2 -> 242.0 ms
 * (15 interleaved runs, CPU 242 -> 229 ms).
 *
 * Written for: @alicloud/ecs20140526 7.11.6 (`dist/client.js` with `class Client extends
 * openapi_core_1.default`, one `async name(...) {...}` per operation plus `nameWithOptions`;
 * `dist/models/model.js` re-exporting `<Op>Request.js`, `<Op>Response.js`, `<Op>ResponseBody.js`,
 * `<Op>ShrinkRequest.js`). If that shape changes the build fails with a message naming this file,
 * and test/unit/build/ecs-models-only.test.ts fails on the installed package.
 *
 * How to drop it: remove it from the plugin list in scripts/build.ts. The worker bundle grows back
 * to ~3.6 MB and loads every model; nothing else changes.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Plugin } from "esbuild";
import { closingBracket, codeMask, codeMatches, withoutRanges } from "./js-scan";

/** The ECS operations each function calls; a function not listed bundles no ECS SDK trimming. */
export const ECS_OPERATIONS_USED: Record<string, readonly string[]> = {
  worker: ["CreateImagePipeline"],
};

const WRITTEN_FOR = "@alicloud/ecs20140526 7.11.6";
const CLIENT_CLASS = /\bclass\s+Client\s+extends\b[^{]*\{/g;
const ASYNC_METHOD = /(?<![\w$.])async\s+([\w$]+)\s*\(/g;

class EcsShapeError extends Error {
  constructor(what: string) {
    super(
      `ecs-models-only: ${what}. The plugin was written for ${WRITTEN_FOR}; the package changed shape: adapt or drop scripts/build/ecs-models-only.ts.`,
    );
  }
}

/** `createImagePipeline` and `createImagePipelineWithOptions` for `CreateImagePipeline`. */
function clientMethodsOf(operations: readonly string[]): Set<string> {
  return new Set(
    operations.flatMap((op) => {
      const method = op.charAt(0).toLowerCase() + op.slice(1);
      return [method, `${method}WithOptions`];
    }),
  );
}

/**
 * `dist/client.js` with only the `async` methods of `operations` in `class Client`; throws when the
 * class or one of those methods is not there.
 */
export function ecsClientMethodsOnly(source: string, operations: readonly string[]): string {
  const mask = codeMask(source);
  const [clientClass] = codeMatches(source, mask, CLIENT_CLASS).filter((c) => c.depth === 0);
  if (!clientClass) throw new EcsShapeError("no top-level `class Client extends ...` in dist/client.js");
  const bodyOpen = clientClass.match.index + clientClass.match[0].length - 1;
  const bodyClose = closingBracket(source, mask, bodyOpen);
  if (bodyClose < 0) throw new EcsShapeError("`class Client` never closes");
  const body = source.slice(0, bodyClose);
  const kept = clientMethodsOf(operations);
  const seen = new Set<string>();
  const dropped: [number, number][] = [];
  for (const { match, depth } of codeMatches(body, mask, ASYNC_METHOD)) {
    if (match.index < bodyOpen || depth !== clientClass.depth + 1) continue;
    const name = match[1] as string;
    seen.add(name);
    const paramsClose = closingBracket(source, mask, match.index + match[0].length - 1);
    const open = source.indexOf("{", paramsClose);
    const close = open < 0 ? -1 : closingBracket(source, mask, open);
    if (paramsClose < 0 || close < 0) throw new EcsShapeError(`method ${name} has no body`);
    if (!kept.has(name)) dropped.push([match.index, close + 1]);
  }
  const missing = [...kept].filter((m) => !seen.has(m));
  if (missing.length > 0) throw new EcsShapeError(`Client has no async method ${missing.join(", ")}`);
  return withoutRanges(source, dropped);
}

/** `dist/models/model.js` replaced: requires only the model files of `operations` from `files`. */
export function ecsModelIndex(files: readonly string[], operations: readonly string[]): string {
  const used = files.filter(
    (f) =>
      f.endsWith(".js") &&
      operations.some((op) =>
        new RegExp(`^${op}(Request|Response|ResponseBody|ShrinkRequest)\\.js$`).test(f),
      ),
  );
  const missing = operations.filter(
    (op) => !used.includes(`${op}Request.js`) || !used.includes(`${op}Response.js`),
  );
  if (missing.length > 0)
    throw new EcsShapeError(`dist/models has no ${missing.join(", ")} Request/Response`);
  const requires = used.map((f) => `require(${JSON.stringify(`./${f}`)})`).join(", ");
  return `"use strict";\nObject.assign(exports, ${requires});\n`;
}

export function ecsModelsOnly(operations: readonly string[]): Plugin {
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
          return { contents: ecsModelIndex(await readdir(dir), operations), loader: "js", resolveDir: dir };
        },
      );
    },
  };
}
