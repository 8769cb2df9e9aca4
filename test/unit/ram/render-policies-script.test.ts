import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RenderSetupError, renderForEnvironment, writeRendered } from "../../../scripts/render-policies";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
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

  it("scopes the function logs to the logstore fc3 creates with logConfig: auto", () => {
    // devsapp/fc3 names the project serverless-<region>-<uuid of the account> and the logstore
    // default-logs (docs/deploy.md, "3. What the s.yaml choices rest on", Logs); a grant on any other logstore stops every log write.
    const text = JSON.stringify(renderForEnvironment(ENV));
    expect(text).toContain(
      "acs:log:cn-beijing:1234567890123456:project/serverless-cn-hangzhou-x/logstore/default-logs",
    );
    const deployDoc = readFileSync(path.join(ROOT, "docs/deploy.md"), "utf8");
    expect(deployDoc).toContain("serverless-<region>-<uuid>");
    expect(deployDoc).not.toMatch(/<account>-<region>-project/);
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
