/**
 * The layer rules (.dependency-cruiser.cjs, run by `npm run lint`) bite: each planted import that
 * breaks one is reported under that rule's name, and the real tree breaks none. The plants live in
 * a throwaway tree of their own (the rules are paths relative to the cruise's base directory), so
 * the repository is never touched; its node_modules is linked in so an SDK import resolves.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseOptions, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
/** Cruising with the TypeScript compiler is slow on a loaded machine; bounded, but generously. */
const CRUISE_TIMEOUT_MS = 120_000;

let rules: ICruiseOptions;
let plantRoot: string;

function plant(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(plantRoot, dirname(path)), { recursive: true });
    writeFileSync(join(plantRoot, path), text);
  }
}

async function cruiseResult(paths: string[], options: ICruiseOptions): Promise<ICruiseResult> {
  const { output } = await cruise(paths, options);
  if (typeof output === "string") throw new Error("expected the cruise result as an object");
  return output;
}

/** `rule: from -> to` for every violation, sorted, so a failure shows what was found. */
const violationsOf = (result: ICruiseResult): string[] =>
  result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

const plantedCruise = (paths: string[]) => {
  // The plants have no tsconfig of their own; the TypeScript compiler still sees type-only imports.
  const { tsConfig: _repositoryTsConfig, ...options } = rules;
  return cruiseResult(paths, { ...options, baseDir: plantRoot, preserveSymlinks: true });
};

beforeAll(async () => {
  rules = await extractDepcruiseOptions(join(ROOT, ".dependency-cruiser.cjs"));
  plantRoot = mkdtempSync(join(tmpdir(), "layers-"));
  symlinkSync(join(ROOT, "node_modules"), join(plantRoot, "node_modules"), "dir");
});

afterAll(() => {
  if (plantRoot) rmSync(plantRoot, { recursive: true, force: true });
});

describe("layer rules", () => {
  it(
    "report a planted violation of each rule under its name",
    async () => {
      plant({
        "shared/domain/reads-files.ts":
          'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
        "shared/app/parses-mns.ts":
          'import { body } from "../adapters/mns/body";\nimport { id } from "../fc/event";\nexport const x = [body, id];\n',
        "shared/app/opens-sockets.ts": 'import { connect } from "node:net";\nexport const c = connect;\n',
        "shared/adapters/mns/body.ts": "export const body = 1;\n",
        "shared/fc/event.ts": "export const id = 2;\n",
        "shared/http/calls-sdk.ts": 'import TableStore from "tablestore";\nexport const t = TableStore;\n',
        "shared/http/a.ts": 'import type { B } from "./b";\nexport interface A { b?: B }\n',
        "shared/http/b.ts": 'import type { A } from "./a";\nexport interface B { a?: A }\n',
        "shared/composition/uses-emulator.ts":
          'import { e } from "../../local/emulator";\nexport const u = e;\n',
        "local/emulator.ts": "export const e = 3;\n",
        "functions/thick/index.ts":
          'import { x } from "../../shared/app/parses-mns";\nimport { body } from "../../shared/adapters/mns/body";\nexport const handler = () => [x, body];\n',
      });
      const found = violationsOf(await plantedCruise(["shared", "functions", "local"]));
      expect(found).toEqual(
        [
          "domain-is-pure: shared/domain/reads-files.ts -> fs",
          "app-uses-ports: shared/app/parses-mns.ts -> shared/adapters/mns/body.ts",
          "app-uses-ports: shared/app/parses-mns.ts -> shared/fc/event.ts",
          "only-composition-wires-adapters: shared/app/parses-mns.ts -> shared/adapters/mns/body.ts",
          "app-does-no-io: shared/app/opens-sockets.ts -> net",
          "only-adapters-import-cloud-sdks: shared/http/calls-sdk.ts -> node_modules/tablestore/index.js",
          // A cycle is reported once, at the edge where the cruise first closes it.
          "no-cycles: shared/http/a.ts -> shared/http/b.ts",
          "shipped-code-stays-out-of-tooling: shared/composition/uses-emulator.ts -> local/emulator.ts",
          "functions-are-thin: functions/thick/index.ts -> shared/app/parses-mns.ts",
          "functions-are-thin: functions/thick/index.ts -> shared/adapters/mns/body.ts",
          "only-composition-wires-adapters: functions/thick/index.ts -> shared/adapters/mns/body.ts",
        ].sort(),
      );
    },
    CRUISE_TIMEOUT_MS,
  );

  it(
    "report a planted unit test that reaches outside memory, and a tier importing another's files",
    async () => {
      plant({
        "test/unit/spawns.test.ts":
          'import { execFile } from "node:child_process";\nimport { build } from "esbuild";\nexport const x = [execFile, build];\n',
        "test/unit/serves.test.ts": 'import type { Server } from "node:http";\nexport type S = Server;\n',
        "test/unit/fakes.ts": "export const fake = 1;\n",
        "test/integration/uses-unit-fake.test.ts":
          'import { fake } from "../unit/fakes";\nimport { kit } from "../support/kit";\nexport const y = [fake, kit];\n',
        "test/support/kit.ts": "export const kit = 2;\n",
      });
      const found = violationsOf(await plantedCruise(["test"]));
      expect(found).toEqual(
        [
          "unit-tests-stay-in-memory: test/unit/spawns.test.ts -> child_process",
          "unit-tests-stay-in-memory: test/unit/spawns.test.ts -> node_modules/esbuild/lib/main.js",
          "unit-tests-stay-in-memory: test/unit/serves.test.ts -> http",
          "tiers-share-through-support: test/integration/uses-unit-fake.test.ts -> test/unit/fakes.ts",
        ].sort(),
      );
    },
    CRUISE_TIMEOUT_MS,
  );

  it(
    "keep the web console to the view types, and everything else away from the console",
    async () => {
      plant({
        "console/types-only.ts": 'import type { V } from "../shared/http/views";\nexport const v: V = {};\n',
        "console/uses-schema.ts":
          'import { Schema } from "../shared/http/views";\nexport const s = Schema;\n',
        "console/uses-app.ts": 'import { run } from "../shared/app/use-case";\nexport const r = run;\n',
        "console/main.ts": "export const main = 4;\n",
        "shared/http/views.ts": "export const Schema = 1;\nexport interface V {}\n",
        "shared/app/use-case.ts": "export const run = 5;\n",
        "shared/http/serves-console.ts":
          'import { main } from "../../console/main";\nexport const m = main;\n',
      });
      const found = violationsOf(await plantedCruise(["console", "shared/http/serves-console.ts"]));
      expect(found).toEqual(
        [
          "console-views-types-only: console/uses-schema.ts -> shared/http/views.ts",
          "console-is-browser-code: console/uses-app.ts -> shared/app/use-case.ts",
          "nothing-imports-the-console: shared/http/serves-console.ts -> console/main.ts",
        ].sort(),
      );
    },
    CRUISE_TIMEOUT_MS,
  );

  it(
    "find nothing to report in the repository's own shipped code",
    async () => {
      const tsConfig = extractTSConfig(join(ROOT, "tsconfig.json"));
      const { output } = await cruise(["shared", "functions"], { ...rules, baseDir: ROOT }, undefined, {
        tsConfig,
      });
      if (typeof output === "string") throw new Error("expected the cruise result as an object");
      expect(violationsOf(output)).toEqual([]);
      expect(output.summary.totalCruised).toBeGreaterThan(50);
    },
    CRUISE_TIMEOUT_MS,
  );
});
