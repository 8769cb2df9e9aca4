import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RenderSetupError, renderForEnvironment, writeRendered } from "../../../scripts/render-policies";

const ENV = { ACCOUNT_ID: "1234567890123456", LOG_PROJECT: "serverless-cn-hangzhou-x", REGION: "cn-beijing" };

describe("npm run render-policies", () => {
  it("renders every function role, and the cross-account role per target account", () => {
    const files = renderForEnvironment({ ...ENV, TARGET_ACCOUNT_IDS: "2222222222222222" });
    expect(files.map((f) => `${f.roleName}.${f.kind}`)).toEqual([
      "image-pipeline-api.policy",
      "image-pipeline-api.trust",
      "image-pipeline-worker.policy",
      "image-pipeline-worker.trust",
      "image-pipeline-reconciler.policy",
      "image-pipeline-reconciler.trust",
      "ImagePipelineRequestRole@2222222222222222.policy",
      "ImagePipelineRequestRole@2222222222222222.trust",
    ]);
    const text = JSON.stringify(files);
    expect(text).toContain(
      "acs:ots:cn-beijing:1234567890123456:instance/imgpipe/table/image_pipeline_records",
    );
    expect(text).toContain("acs:ecs:*:2222222222222222:imagepipeline/*");
    expect(text).not.toContain("${");
  });

  it("writes JSON files and the aliyun commands that use them", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ram-render-"));
    try {
      const commands = writeRendered(renderForEnvironment(ENV), dir);
      expect(commands).toContain(
        `aliyun ram AttachPolicyToRole --PolicyType Custom --PolicyName image-pipeline-worker-policy --RoleName image-pipeline-worker`,
      );
      const trust = JSON.parse(await readFile(path.join(dir, "image-pipeline-worker.trust.json"), "utf8"));
      expect(trust.Statement[0].Principal).toEqual({ Service: ["fc.aliyuncs.com"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(["ACCOUNT_ID", "LOG_PROJECT"])("stops without %s", (name) => {
    expect(() => renderForEnvironment({ ...ENV, [name]: "" })).toThrow(RenderSetupError);
  });
});
