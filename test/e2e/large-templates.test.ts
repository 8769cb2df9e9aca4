/**
 * Templates as large as the API allows, end to end: BuildContent and TestContent of 16,000
 * characters, and Chinese text near the 16 KB limit in both. In the SDK's own query form such a
 * request is a URL of 30,000 to 90,000 characters, which the API gateway (and the simulator)
 * refuses with 414; the worker sends it as a signed form body, so each request ends `succeeded`
 * with exactly one pipeline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEMPLATE_CONTENT_MAX_BYTES } from "../../shared/domain/request/constraints";
import { runTemplate } from "../support/ecs-clients";
import { Caller, type E2eStack, startE2eStack, validRequest } from "./harness";

let e2e: E2eStack;
let alice: Caller;

beforeAll(async () => {
  e2e = await startE2eStack();
  alice = new Caller(e2e.stack, "alice");
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const LARGE = {
  BuildContent: runTemplate(16_000),
  TestContent: runTemplate(16_000, "t"),
};
const CHINESE = {
  Description: "镜像模板：中文说明",
  BuildContent: runTemplate(5_400, "构"),
  TestContent: runTemplate(5_400, "测"),
};

describe("templates at the size limit", () => {
  it("are within the request contract's own limit, and far past the gateway's URL limit encoded", () => {
    expect(LARGE.BuildContent).toHaveLength(16_000);
    expect(LARGE.TestContent).toHaveLength(16_000);
    for (const text of [...Object.values(LARGE), CHINESE.BuildContent, CHINESE.TestContent]) {
      expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(TEMPLATE_CONTENT_MAX_BYTES);
      expect(encodeURIComponent(text).length).toBeGreaterThan(16_000);
    }
  });

  it.each([
    ["16,000-character BuildContent and TestContent", "e2e-large-ascii", LARGE],
    ["Chinese text in BuildContent, TestContent and Description", "e2e-large-chinese", CHINESE],
  ])("%s: 202, then succeeded with exactly one pipeline", async (_what, name, fields) => {
    const accepted = await alice.submit(validRequest(name, fields));
    expect(accepted.status).toBe(202);
    const [record] = await alice.waitForTerminal([accepted.body.id], 60_000);
    expect(record).toMatchObject({ status: "succeeded", attempts: 1 });
    const pipelines = e2e.stack.control.pipelines().filter((p) => p.clientToken === record?.clientToken);
    expect(pipelines).toEqual([expect.objectContaining({ imagePipelineId: record?.imagePipelineId, name })]);
  });

  it("no CreateImagePipeline was refused on its size", () => {
    const answered = e2e.stack.control.calls().createImagePipeline.answered;
    expect(answered.Http414).toBeUndefined();
    expect(answered.OK).toBe(2);
  });
});
