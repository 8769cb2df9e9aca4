import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ECS_OPERATIONS_USED,
  ecsClientMethodsOnly,
  ecsModelIndex,
} from "../../../scripts/build/ecs-models-only";

// Runs the plugin's transforms over the installed @alicloud/ecs20140526: an update that changes the
// shape they rely on fails here, before it can fail (or silently grow) a bundle.
const require = createRequire(import.meta.url);
const clientFile = require.resolve("@alicloud/ecs20140526/dist/client.js");
const operations = ECS_OPERATIONS_USED.worker ?? [];

/** The names of the async methods a client source defines, in order. */
const asyncMethods = (source: string): string[] =>
  [...source.matchAll(/^\s*async\s+(\w+)\s*\(/gm)].map((m) => m[1] as string);

describe("ecs-models-only on the installed @alicloud/ecs20140526", () => {
  let source: string;
  beforeAll(async () => {
    source = await readFile(clientFile, "utf8");
  });

  it("keeps only the worker's operation methods and everything else of the client", () => {
    expect(asyncMethods(source).length).toBeGreaterThan(700);
    const trimmed = ecsClientMethodsOnly(source, operations);
    expect(asyncMethods(trimmed).sort()).toEqual(["createImagePipeline", "createImagePipelineWithOptions"]);
    expect(trimmed).toMatch(/\bconstructor\s*\(config\)\s*\{/);
    expect(trimmed).toMatch(/\bgetEndpoint\s*\(/);
    // Still one valid CommonJS module.
    expect(() => new Function("exports", "require", "module", trimmed)).not.toThrow();
  });

  it("trims a reformatted client the same way (tabs, other line breaks)", () => {
    const reformatted = source
      .replace(/^( {4})+/gm, (indent) => "\t".repeat(indent.length / 4))
      .replace(/\) \{\n/g, ")\n{\n");
    expect(asyncMethods(ecsClientMethodsOnly(reformatted, operations)).sort()).toEqual([
      "createImagePipeline",
      "createImagePipelineWithOptions",
    ]);
  });

  it("fails with the plugin's name when the operation's method is gone", () => {
    const renamed = source.replace(/\basync createImagePipeline\(/, "async createImagePipelineV2(");
    expect(() => ecsClientMethodsOnly(renamed, operations)).toThrow(
      /^ecs-models-only: Client has no async method createImagePipeline\. .*written for @alicloud\/ecs20140526 7\.11\.6.*scripts\/build\/ecs-models-only\.ts/,
    );
  });

  it("fails when the client is no longer `class Client extends ...`", () => {
    const altered = source.replace(/\bclass Client extends\b/, "class EcsClient extends");
    expect(() => ecsClientMethodsOnly(altered, operations)).toThrow(
      /ecs-models-only: no top-level `class Client/,
    );
  });

  it("indexes the operation's model files and fails when they are gone", async () => {
    const files = await readdir(path.join(path.dirname(clientFile), "models"));
    const index = ecsModelIndex(files, operations);
    for (const model of [
      "CreateImagePipelineRequest",
      "CreateImagePipelineResponse",
      "CreateImagePipelineResponseBody",
    ]) {
      expect(index).toContain(`require("./${model}.js")`);
    }
    expect(index).not.toContain("DescribeInstances");
    const renamed = files.filter((f) => !f.startsWith("CreateImagePipelineRequest"));
    expect(() => ecsModelIndex(renamed, operations)).toThrow(
      /ecs-models-only: dist\/models has no CreateImagePipeline Request\/Response/,
    );
  });
});
