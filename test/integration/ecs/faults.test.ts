import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FaultSettingsError, type RunningEcsEmulator, start } from "../../../local/ecs/index";
import { LOCAL_TRUSTING_ACCOUNT_IDS } from "../../../local/identities";
import { $dara, $Ecs, assumeInto, ecsClient, failureOf, validCreateRequest } from "../../support/ecs-clients";

let ecs: RunningEcsEmulator;
/** Frozen while a test needs every call in the same QPS second. */
let frozenAt: number | undefined;

beforeAll(async () => {
  ecs = await start({ port: 0, now: () => frozenAt ?? Date.now() });
});
afterAll(async () => {
  await ecs.close();
});
beforeEach(() => {
  ecs.control.reset();
  ecs.control.setFaults({
    throttleRate: 0,
    serverErrorRate: 0,
    dropAfterCommitRate: 0,
    latencyMs: 0,
    qpsPerAccount: 0,
  });
  frozenAt = undefined;
});

describe("ClientToken", () => {
  it("same token, same parameters: the first result again, and still one pipeline", async () => {
    const client = ecsClient(ecs.port);
    const request = validCreateRequest({ clientToken: "token-1", tag: [{ key: "k", value: "v" }] });
    const first = await client.createImagePipeline(request);
    const second = await client.createImagePipeline(request);
    expect(second.body?.imagePipelineId).toBe(first.body?.imagePipelineId);
    expect(second.body?.requestId).not.toBe(first.body?.requestId);
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("same token, different parameters: IdempotentParameterMismatch (400)", async () => {
    const client = ecsClient(ecs.port);
    await client.createImagePipeline(validCreateRequest({ clientToken: "token-2" }));
    const error = await failureOf(
      client.createImagePipeline(validCreateRequest({ clientToken: "token-2", name: "other" })),
    );
    expect(error).toMatchObject({
      name: "ClientError",
      code: "IdempotentParameterMismatch",
      statusCode: 400,
    });
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("same token while the first call is in flight: LastTokenProcessing (403)", async () => {
    ecs.control.setFaults({ latencyMs: 600 });
    const client = ecsClient(ecs.port);
    const request = validCreateRequest({ clientToken: "token-3" });
    const first = client.createImagePipeline(request);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const error = await failureOf(client.createImagePipeline(request));
    expect(error).toMatchObject({ name: "ClientError", code: "LastTokenProcessing", statusCode: 403 });
    expect((await first).body?.imagePipelineId).toMatch(/^ip-/);
    expect(ecs.control.pipelines()).toHaveLength(1);
  });

  it("is scoped per account and region", async () => {
    const request = (regionId: string) => validCreateRequest({ clientToken: "shared-token", regionId });
    const service = ecsClient(ecs.port);
    const inHangzhou = await service.createImagePipeline(request("cn-hangzhou"));
    const inBeijing = await service.createImagePipeline(request("cn-beijing"));
    const otherAccount = ecsClient(ecs.port, await assumeInto(ecs.port, LOCAL_TRUSTING_ACCOUNT_IDS[0]));
    const inOtherAccount = await otherAccount.createImagePipeline(request("cn-hangzhou"));
    const ids = new Set([inHangzhou, inBeijing, inOtherAccount].map((r) => r.body?.imagePipelineId));
    expect(ids.size).toBe(3);
    expect(ecs.control.pipelines()).toHaveLength(3);
  });
});

describe("fault injection", () => {
  it("throttleRate 1: Throttling.User (400) as ThrottlingError, no work done, counted", async () => {
    ecs.control.setFaults({ throttleRate: 1 });
    const error = await failureOf(ecsClient(ecs.port).createImagePipeline(validCreateRequest()));
    expect(error).toMatchObject({ name: "ThrottlingError", code: "Throttling.User", statusCode: 400 });
    expect(ecs.control.pipelines()).toEqual([]);
    expect(ecs.control.calls().createImagePipeline).toMatchObject({
      received: 1,
      answered: { "Throttling.User": 1 },
      throttled: 1,
    });
  });

  it("serverErrorRate 1: ServiceUnavailable (503) as ServerError, no work done", async () => {
    ecs.control.setFaults({ serverErrorRate: 1 });
    const error = await failureOf(ecsClient(ecs.port).createImagePipeline(validCreateRequest()));
    expect(error).toMatchObject({ name: "ServerError", code: "ServiceUnavailable", statusCode: 503 });
    expect(ecs.control.pipelines()).toEqual([]);
  });

  it("forced faults hit exactly the next calls, then calls succeed", async () => {
    ecs.control.forceNext("throttle");
    ecs.control.forceNext("serverError");
    const client = ecsClient(ecs.port);
    expect(await failureOf(client.createImagePipeline(validCreateRequest()))).toMatchObject({
      code: "Throttling.User",
    });
    expect(await failureOf(client.createImagePipeline(validCreateRequest()))).toMatchObject({
      code: "ServiceUnavailable",
    });
    await client.createImagePipeline(validCreateRequest());
    expect(ecs.control.calls().createImagePipeline.answered).toEqual({
      "Throttling.User": 1,
      ServiceUnavailable: 1,
      OK: 1,
    });
  });

  it("badGateway and uriTooLarge answer the gateway's HTML pages without the work; the SDK cannot read them", async () => {
    ecs.control.forceNext("badGateway");
    ecs.control.forceNext("uriTooLarge");
    const client = ecsClient(ecs.port);
    for (let i = 0; i < 2; i++) {
      expect(await failureOf(client.createImagePipeline(validCreateRequest()))).toMatchObject({
        name: "SyntaxError",
      });
    }
    expect(ecs.control.pipelines()).toEqual([]);
    expect(ecs.control.calls().createImagePipeline.answered).toEqual({ Http502: 1, Http414: 1 });
  });

  it("emptyAnswer does the work and answers 200 with no body", async () => {
    ecs.control.forceNext("emptyAnswer");
    const request = validCreateRequest({ clientToken: "empty-once" });
    const client = ecsClient(ecs.port);
    expect(await failureOf(client.createImagePipeline(request))).toMatchObject({ name: "SyntaxError" });
    const held = ecs.control.pipelines();
    expect(held).toHaveLength(1);
    expect((await client.createImagePipeline(request)).body?.imagePipelineId).toBe(held[0]?.imagePipelineId);
    expect(ecs.control.calls().createImagePipeline.answered).toEqual({ EmptyBody: 1, OK: 1 });
  });

  it("refuses an unknown forced fault", () => {
    expect(() => ecs.control.forceNext("meteorStrike" as never)).toThrow(RangeError);
  });

  it("dropAfterCommit: the pipeline exists, the caller sees a reset, and a retry with the same token returns it", async () => {
    ecs.control.setFaults({ dropAfterCommitRate: 1 });
    const client = ecsClient(ecs.port);
    const request = validCreateRequest({ clientToken: "dropped-once" });
    const error = await failureOf(client.createImagePipeline(request));
    expect(error.code).toBe("ECONNRESET");
    const held = ecs.control.pipelines();
    expect(held).toHaveLength(1);
    ecs.control.setFaults({ dropAfterCommitRate: 0 });
    const retried = await client.createImagePipeline(request);
    expect(retried.body?.imagePipelineId).toBe(held[0]?.imagePipelineId);
    expect(ecs.control.pipelines()).toHaveLength(1);
    expect(ecs.control.calls().createImagePipeline).toMatchObject({
      received: 2,
      dropped: 1,
      answered: { OK: 1 },
    });
  });

  it("the SDK's own retry on ECONNRESET after a dropped answer ends with one pipeline", async () => {
    ecs.control.forceNext("dropAfterCommit");
    const client = ecsClient(ecs.port, undefined, {
      retryOptions: new $dara.RetryOptions({
        retryable: true,
        retryCondition: [
          {
            maxAttempts: 3,
            exception: ["ThrottlingError", "ServerError"],
            errorCode: ["ECONNRESET"],
            backoff: { policy: "Fixed", period: 1 },
          },
        ],
        noRetryCondition: [],
      }),
    });
    const created = await client.createImagePipeline(validCreateRequest({ clientToken: "sdk-retry" }));
    expect(ecs.control.pipelines().map((p) => p.imagePipelineId)).toEqual([created.body?.imagePipelineId]);
    expect(ecs.control.calls().createImagePipeline).toMatchObject({ received: 2, dropped: 1 });
  });

  it("qpsPerAccount: calls above the limit in one second get Throttling.User; other accounts are unaffected", async () => {
    frozenAt = Date.now();
    ecs.control.setFaults({ qpsPerAccount: 3 });
    const client = ecsClient(ecs.port);
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await client.createImagePipeline(validCreateRequest()).then(
          () => "OK",
          (err: { code?: string }) => err.code ?? "?",
        ),
      );
    }
    expect(outcomes).toEqual(["OK", "OK", "OK", "Throttling.User", "Throttling.User"]);
    const other = ecsClient(ecs.port, await assumeInto(ecs.port, LOCAL_TRUSTING_ACCOUNT_IDS[1]));
    await other.createImagePipeline(validCreateRequest());
    frozenAt += 1001;
    await client.createImagePipeline(validCreateRequest());
    expect(ecs.control.pipelines()).toHaveLength(5);
    expect(ecs.control.calls().createImagePipeline.throttled).toBe(2);
  });

  it("applies to DescribeImagePipelines as well", async () => {
    ecs.control.setFaults({ serverErrorRate: 1 });
    const error = await failureOf(
      ecsClient(ecs.port).describeImagePipelines(
        new $Ecs.DescribeImagePipelinesRequest({ regionId: "cn-hangzhou" }),
      ),
    );
    expect(error).toMatchObject({ code: "ServiceUnavailable", statusCode: 503 });
  });
});

describe("fault settings", () => {
  it("reads back what was set and keeps unset fields", () => {
    ecs.control.setFaults({ throttleRate: 0.3, latencyMs: [20, 200] });
    const faults = ecs.control.setFaults({ qpsPerAccount: 20 });
    expect(faults).toEqual({
      throttleRate: 0.3,
      serverErrorRate: 0,
      dropAfterCommitRate: 0,
      latencyMs: [20, 200],
      qpsPerAccount: 20,
    });
    expect(ecs.control.getFaults()).toEqual(faults);
  });

  it.each([
    [{ throttleRate: 1.5 }, "throttleRate must be a number from 0 to 1"],
    [{ latencyMs: [200, 20] }, "latencyMs must be a number or [min, max]"],
    [{ qpsPerAccount: -1 }, "qpsPerAccount must be a whole number"],
    [{ dropRate: 0.1 }, 'unknown setting "dropRate"'],
  ])("refuses %j, naming the problem and changing nothing", (partial, message) => {
    const before = ecs.control.getFaults();
    expect(() => ecs.control.setFaults(partial as never)).toThrow(FaultSettingsError);
    expect(() => ecs.control.setFaults(partial as never)).toThrow(message);
    expect(ecs.control.getFaults()).toEqual(before);
  });

  it("takes the same settings as command-line flags, and refuses unknown flags", async () => {
    const flagged = await start({
      port: 0,
      args: [
        "--throttle-rate",
        "0.3",
        "--server-error-rate",
        "0.1",
        "--drop-after-commit-rate",
        "0.05",
        "--latency-ms",
        "20,200",
        "--qps-per-account",
        "20",
        "--seed",
        "7",
      ],
    });
    try {
      expect(flagged.control.getFaults()).toEqual({
        throttleRate: 0.3,
        serverErrorRate: 0.1,
        dropAfterCommitRate: 0.05,
        latencyMs: [20, 200],
        qpsPerAccount: 20,
      });
    } finally {
      await flagged.close();
    }
    await expect(start({ port: 0, args: ["--throttle", "1"] })).rejects.toThrow('unknown flag "--throttle"');
  });
});

describe("--data persistence", () => {
  it("keeps pipelines and ClientTokens across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ecs-sim-"));
    try {
      const first = await start({ port: 0, dataDir });
      const request = validCreateRequest({ clientToken: "survives-restart" });
      const created = await ecsClient(first.port).createImagePipeline(request);
      await first.close();
      const second = await start({ port: 0, dataDir });
      try {
        expect(second.control.pipelines().map((p) => p.imagePipelineId)).toEqual([
          created.body?.imagePipelineId,
        ]);
        const replayed = await ecsClient(second.port).createImagePipeline(request);
        expect(replayed.body?.imagePipelineId).toBe(created.body?.imagePipelineId);
        expect(second.control.pipelines()).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
