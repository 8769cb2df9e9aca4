/**
 * Resolves s.yaml with the real Serverless Devs CLI (the pinned `@serverless-devs/s`), offline: the
 * one implementation the local FC runtime (local/stack.ts), the build's warm-up, the bench and the
 * deploy tests all use, so what runs locally is what `s deploy` would send to FC.
 *
 * `${vars.x}`, `${env('X', 'default')}` and `${config('AccountID')}` are resolved by `s` before a
 * component sees `props`; re-implementing that resolution would only run the re-implementation.
 * Each resource's component is swapped for a local probe component that records the props it
 * receives; `s info` is used because, unlike `deploy`, it runs no `pre-deploy` action and so needs
 * no build. One resolution takes about a second (a child process of `s`).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const S_YAML_PATH = path.join(root, "s.yaml");
const S_CLI = path.join(root, "node_modules/@serverless-devs/s/bin/s");

const PROBE_COMPONENT = `"use strict";
const fs = require("node:fs");
const path = require("node:path");
module.exports = class PropsProbe {
  async info(inputs) {
    const file = path.join(process.env.PROPS_PROBE_OUT, inputs.resource.name + ".json");
    fs.writeFileSync(file, JSON.stringify(inputs.props));
    return {};
  }
};
`;

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
}

export type Resolution =
  | { ok: true; props: Record<string, Record<string, unknown>> }
  | { ok: false; output: string };

export interface SYamlResolver {
  resolve(env: Record<string, string>): Promise<Resolution>;
  close(): Promise<void>;
}

function run(args: string[], options: { cwd: string; env: Record<string, string> }) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [S_CLI, ...args], { ...options, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

/**
 * Prepares a scratch directory (a private HOME for `s`, the probe component and a copy of s.yaml
 * that points every resource at it). Only `process.env.PATH` is inherited, so a developer's own
 * REGION or JWT_* variables cannot change the outcome. Nothing leaves the machine.
 */
/**
 * Copies a template into `dir` with every resource's component replaced by the probe, adding the
 * resource names to `names`; a template that `extend`s another (s.domain.yaml extends s.yaml) gets
 * that one copied beside it too, under the same relative name, so `s` merges the two as it would.
 */
async function copyWithProbe(templatePath: string, dir: string, componentDir: string, names: string[]) {
  const doc = parseDocument(await readFile(templatePath, "utf8"));
  const extend = doc.get("extend");
  if (typeof extend === "string") {
    const base = path.resolve(path.dirname(templatePath), extend);
    if (path.dirname(base) !== path.dirname(templatePath))
      throw new Error(`${extend}: extend a sibling template`);
    await copyWithProbe(base, dir, componentDir, names);
  }
  const resources = doc.get("resources");
  const own: string[] = [];
  if (resources && typeof resources === "object" && "items" in resources && Array.isArray(resources.items)) {
    for (const item of resources.items as { key: unknown }[]) own.push(String(item.key));
  }
  for (const name of own) doc.setIn(["resources", name, "component"], componentDir);
  names.push(...own);
  const copy = path.join(dir, path.basename(templatePath));
  await writeFile(copy, doc.toString());
  return copy;
}

export async function createSYamlResolver(
  credentials: Credentials,
  sYamlPath: string = S_YAML_PATH,
): Promise<SYamlResolver> {
  const dir = await mkdtemp(path.join(tmpdir(), "s-yaml-"));
  const componentDir = path.join(dir, "props-probe");
  await mkdir(componentDir);
  await writeFile(
    path.join(componentDir, "package.json"),
    JSON.stringify({ name: "props-probe", main: "index.js", type: "commonjs" }),
  );
  await writeFile(path.join(componentDir, "index.js"), PROBE_COMPONENT);
  // `s` otherwise spawns detached daemons that report each command to its vendor and check for
  // updates; NODE_ENV=test (below) skips them all, and this opts out of the report on its own.
  await mkdir(path.join(dir, ".s"));
  await writeFile(path.join(dir, ".s", "set-config.yml"), "analysis: disable\n");

  const names: string[] = [];
  const yamlPath = await copyWithProbe(sYamlPath, dir, componentDir, names);

  let runs = 0;
  return {
    async resolve(env) {
      runs += 1;
      const out = path.join(dir, `out-${runs}`);
      await mkdir(out);
      const result = await run(["info", "-t", yamlPath], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          NODE_ENV: "test",
          // `s` takes a credential from these three variables when no access file exists.
          AccessKeyID: credentials.accessKeyId,
          AccessKeySecret: credentials.accessKeySecret,
          AccountID: credentials.accountId,
          PROPS_PROBE_OUT: out,
          ...env,
        },
      });
      if (result.code !== 0) return { ok: false, output: result.output };
      const props: Record<string, Record<string, unknown>> = {};
      for (const name of names) {
        const text = await readFile(path.join(out, `${name}.json`), "utf8").catch(() => undefined);
        if (text === undefined)
          return { ok: false, output: `no props recorded for ${name}\n${result.output}` };
        props[name] = JSON.parse(text) as Record<string, unknown>;
      }
      return { ok: true, props };
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

export class SYamlError extends Error {
  constructor(readonly output: string) {
    super(`s could not resolve s.yaml:\n${output.trim().slice(-2000)}`);
    this.name = "SYamlError";
  }
}

/** Resolutions already made in this process, by s.yaml text, credentials and variables. */
const resolved = new Map<string, Promise<Record<string, Record<string, unknown>>>>();

/**
 * Every resource's props as `s deploy` would hand them to its component, for the shell variables
 * `env` (and nothing else from this process's environment). Cached per process: several stacks in
 * one test file resolve once.
 */
export async function resolveSYaml(
  credentials: Credentials,
  env: Record<string, string>,
  sYamlPath: string = S_YAML_PATH,
): Promise<Record<string, Record<string, unknown>>> {
  const key = JSON.stringify([await readFile(sYamlPath, "utf8"), credentials, Object.entries(env).sort()]);
  let pending = resolved.get(key);
  if (!pending) {
    pending = (async () => {
      const resolver = await createSYamlResolver(credentials, sYamlPath);
      try {
        const result = await resolver.resolve(env);
        if (!result.ok) throw new SYamlError(result.output);
        return result.props;
      } finally {
        await resolver.close();
      }
    })();
    resolved.set(key, pending);
    pending.catch(() => resolved.delete(key));
  }
  return pending;
}
