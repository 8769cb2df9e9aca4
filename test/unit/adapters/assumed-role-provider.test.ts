/**
 * The cross-account credentials provider against a scripted AssumeRole: what it caches, for how
 * long, what it shares, what it forgets, and what it sends. The same provider through the real
 * STS SDK and the simulator is in test/integration/credentials.
 */
import { describe, expect, it } from "vitest";
import {
  type AccessKeyCredentials,
  assumedRoleCredentials,
  roleSessionName,
} from "../../../shared/adapters/credentials/index";
import type { AssumeRoleInput, AssumeRoleOutcome } from "../../../shared/adapters/sts/role-assumer";
import type { CloudApiFailure } from "../../../shared/app/ports";

const SERVICE = "1000000000000001";
const OTHER = "1000000000000002";
const OWN: AccessKeyCredentials = {
  accessKeyId: "LTAIown",
  accessKeySecret: "own-secret",
  securityToken: "own-token",
};
const T0 = Date.parse("2026-11-27T16:00:00Z");

function scripted(answers: Array<(input: AssumeRoleInput, now: number) => AssumeRoleOutcome>) {
  const calls: Array<{ source: AccessKeyCredentials; input: AssumeRoleInput }> = [];
  let clock = T0;
  let release: () => void = () => {};
  let gate: Promise<void> | undefined;
  const provider = assumedRoleCredentials({
    serviceAccountId: SERVICE,
    own: OWN,
    roleName: "ImagePipelineRequestRole",
    now: () => clock,
    assumeRole: async (source, input) => {
      calls.push({ source, input });
      if (gate) await gate;
      const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
      if (!answer) throw new Error("no scripted answer");
      return answer(input, clock);
    },
  });
  return {
    provider,
    calls,
    advance: (ms: number) => {
      clock += ms;
    },
    hold: () => {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

const granted =
  (suffix: string, lifetimeMs = 3_600_000) =>
  (_input: AssumeRoleInput, now: number): AssumeRoleOutcome => ({
    ok: true,
    credentials: {
      accessKeyId: `STS.${suffix}`,
      accessKeySecret: `secret-${suffix}`,
      securityToken: `token-${suffix}`,
    },
    expiresAt: new Date(now + lifetimeMs),
    requestId: `req-${suffix}`,
  });

const refused =
  (failure: Partial<CloudApiFailure> = {}) =>
  (): AssumeRoleOutcome => ({
    ok: false,
    failure: {
      code: "NoPermission",
      message: "not trusted",
      requestId: "req-x",
      httpStatus: 403,
      transient: false,
      ...failure,
    },
  });

describe("assumedRoleCredentials", () => {
  it("hands the own account its own keys and never calls STS for it", async () => {
    const s = scripted([granted("a")]);
    expect(await s.provider.forAccount(SERVICE)).toEqual({ ok: true, credentials: OWN });
    expect(s.calls).toEqual([]);
  });

  it("assumes the account's role with the function's own keys as the caller", async () => {
    const s = scripted([granted("a")]);
    const answer = await s.provider.forAccount(OTHER, {
      sessionHint: "01JD0000000000000000000000",
      timeoutMs: 2_000,
    });
    expect(answer).toEqual({
      ok: true,
      credentials: { accessKeyId: "STS.a", accessKeySecret: "secret-a", securityToken: "token-a" },
    });
    expect(s.calls).toEqual([
      {
        source: OWN,
        input: {
          roleArn: `acs:ram::${OTHER}:role/ImagePipelineRequestRole`,
          roleSessionName: "image-pipeline-01JD0000000000000000000000",
          durationSeconds: 3600,
          timeoutMs: 2_000,
        },
      },
    ]);
  });

  it("bounds an AssumeRole by its own timeout when the caller has more time", async () => {
    const s = scripted([granted("a")]);
    await s.provider.forAccount(OTHER, { timeoutMs: 60_000 });
    expect(s.calls[0]?.input.timeoutMs).toBe(5_000);
  });

  it("refreshes when the answer's expiry, not the asked-for lifetime, comes within five minutes", async () => {
    // The role's MaxSessionDuration may cut the lifetime short of what was asked.
    const s = scripted([granted("a", 20 * 60_000), granted("b")]);
    await s.provider.forAccount(OTHER);
    s.advance(15 * 60_000 - 1);
    expect(await s.provider.forAccount(OTHER)).toMatchObject({ credentials: { accessKeyId: "STS.a" } });
    s.advance(1);
    expect(await s.provider.forAccount(OTHER)).toMatchObject({ credentials: { accessKeyId: "STS.b" } });
    expect(s.calls).toHaveLength(2);
  });

  it("does not cache keys that are already within the refresh margin", async () => {
    const s = scripted([granted("a", 60_000), granted("b", 60_000)]);
    await s.provider.forAccount(OTHER);
    await s.provider.forAccount(OTHER);
    expect(s.calls).toHaveLength(2);
  });

  it("shares one AssumeRole among concurrent callers, and a refusal too", async () => {
    const s = scripted([refused()]);
    s.hold();
    const answers = Promise.all([1, 2, 3].map(() => s.provider.forAccount(OTHER)));
    s.release();
    for (const answer of await answers)
      expect(answer).toMatchObject({ ok: false, failure: { code: "NoPermission" } });
    expect(s.calls).toHaveLength(1);
  });

  it.each<{ name: string; failure: Partial<CloudApiFailure> }>([
    { name: "throttling", failure: { code: "Throttling.User", httpStatus: 400, transient: true } },
    { name: "a 5xx", failure: { code: "ServiceUnavailable", httpStatus: 503, transient: true } },
    { name: "a network fault (no HTTP status)", failure: { code: "NetworkError", transient: true } },
  ])("passes $name on as transient and asks again next time", async ({ failure }) => {
    const s = scripted([refused(failure), granted("a")]);
    expect(await s.provider.forAccount(OTHER)).toMatchObject({
      ok: false,
      failure: { code: failure.code, transient: true },
    });
    expect(await s.provider.forAccount(OTHER)).toMatchObject({ ok: true });
    expect(s.calls).toHaveLength(2);
  });

  it("keeps a permanent refusal with its code and request id, names the role, and forgets it after a minute", async () => {
    const s = scripted([refused({ code: "EntityNotExist.Role", httpStatus: 404 }), granted("a")]);
    const first = await s.provider.forAccount(OTHER);
    expect(first).toEqual({
      ok: false,
      failure: {
        code: "EntityNotExist.Role",
        message: `STS AssumeRole into acs:ram::${OTHER}:role/ImagePipelineRequestRole failed: not trusted`,
        requestId: "req-x",
        httpStatus: 404,
        transient: false,
      },
    });
    s.advance(59_999);
    expect(await s.provider.forAccount(OTHER)).toEqual(first);
    s.advance(1);
    expect(await s.provider.forAccount(OTHER)).toMatchObject({ ok: true });
    expect(s.calls).toHaveLength(2);
  });

  it("turns an assumer that throws, against its contract, into a transient failure", async () => {
    const s = scripted([
      () => {
        throw new Error("boom");
      },
    ]);
    expect(await s.provider.forAccount(OTHER)).toMatchObject({
      ok: false,
      failure: { code: "ClientSideError", transient: true },
    });
  });

  it("never puts a key, secret or token into a failure", async () => {
    const s = scripted([refused()]);
    const text = JSON.stringify(await s.provider.forAccount(OTHER));
    for (const secret of Object.values(OWN)) expect(text).not.toContain(secret);
  });
});

describe("roleSessionName", () => {
  it.each([
    ["image-pipeline", "01JD0000000000000000000000", "image-pipeline-01JD0000000000000000000000"],
    ["image-pipeline", undefined, "image-pipeline"],
    ["image-pipeline", "caller token/with spaces:#", "image-pipeline-caller-token-with-spaces--"],
    ["image-pipeline", "t".repeat(80), `image-pipeline-${"t".repeat(49)}`],
    ["x", undefined, "x-"],
  ])("%s + %s -> %s", (prefix, hint, expected) => {
    const name = roleSessionName(prefix, hint);
    expect(name).toBe(expected);
    expect(name).toMatch(/^[\w.@-]{2,64}$/);
  });
});
