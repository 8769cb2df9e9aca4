import { describe, expect, it } from "vitest";
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_SERVICE_ACCOUNT_ID,
  LOCAL_TRUSTING_ACCOUNT_IDS,
} from "../../../local/identities";
import { FC_SERVICE, functionCredentials } from "../../../local/ram/function-credentials";
import { createLocalRam } from "../../../local/ram/local-model";
import { roleArnOf } from "../../../local/ram/model";

const WORKER = roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, "image-pipeline-worker");
const CROSS = roleArnOf(LOCAL_TRUSTING_ACCOUNT_IDS[0], "ImagePipelineRequestRole");

/** A model on a clock the test moves. */
function clocked() {
  let now = 1_700_000_000_000;
  const ram = createLocalRam({ now: () => now });
  return { ram, advance: (ms: number) => (now += ms) };
}

describe("resolveKey", () => {
  it("names every way a key can be refused", () => {
    const { ram, advance } = clocked();
    const s = ram.issueServiceSession(FC_SERVICE, WORKER, 60, "w");
    const other = ram.issueServiceSession(FC_SERVICE, WORKER, 60, "w2");
    expect(ram.resolveKey(s.accessKeyId, s.securityToken)).toMatchObject({
      ok: true,
      caller: { kind: "role", roleArn: WORKER },
    });
    expect(ram.resolveKey("STS.nobody", "t")).toEqual({ ok: false, refusal: "UnknownKey" });
    expect(ram.resolveKey(s.accessKeyId, undefined)).toEqual({ ok: false, refusal: "MissingToken" });
    expect(ram.resolveKey(s.accessKeyId, other.securityToken)).toEqual({
      ok: false,
      refusal: "TokenMismatch",
    });
    expect(ram.resolveKey(s.accessKeyId, "forged")).toEqual({ ok: false, refusal: "TokenMalformed" });
    expect(ram.resolveKey(LOCAL_ACCESS_KEY_ID, s.securityToken)).toEqual({
      ok: false,
      refusal: "TokenMismatch",
    });
    expect(ram.resolveKey(LOCAL_ACCESS_KEY_ID, "stray")).toEqual({
      ok: false,
      refusal: "TokenWithLongTermKey",
    });
    advance(60_000);
    expect(ram.resolveKey(s.accessKeyId, s.securityToken)).toEqual({ ok: false, refusal: "TokenExpired" });
  });
});

describe("roles", () => {
  it("FC may assume the function roles, not the cross-account role (its trust policy names an account)", () => {
    const { ram } = clocked();
    expect(() => ram.issueServiceSession(FC_SERVICE, WORKER, 60, "w")).not.toThrow();
    expect(() => ram.issueServiceSession(FC_SERVICE, CROSS, 60, "w")).toThrow(/does not admit/);
    expect(() =>
      ram.issueServiceSession(FC_SERVICE, roleArnOf(LOCAL_SERVICE_ACCOUNT_ID, "nobody"), 60, "w"),
    ).toThrow(/no role/);
  });

  it("role names are matched without regard to case, as fc3 lower-cases role ARNs", () => {
    const { ram } = clocked();
    expect(ram.role(CROSS.toLowerCase())?.name).toBe("ImagePipelineRequestRole");
  });

  it("enforce off: every authenticated caller may do anything", () => {
    const ram = createLocalRam({ enforce: false });
    const s = ram.issueServiceSession(FC_SERVICE, WORKER, 60, "w");
    const caller = ram.resolveKey(s.accessKeyId, s.securityToken);
    if (!caller.ok) throw new Error("the session must resolve");
    expect(ram.authorize(caller.caller, { action: "ots:DeleteTable", resource: "*" })).toBe("Allow");
  });
});

describe("function credentials", () => {
  it("hand every invocation a token, and new keys once half the lifetime is gone; old ones stay valid", () => {
    const { ram, advance } = clocked();
    const keys = functionCredentials(ram, WORKER, "image-pipeline-worker", 10);
    const first = keys();
    expect(first.securityToken).not.toBe("");
    advance(4_000);
    expect(keys().accessKeyId).toBe(first.accessKeyId);
    advance(2_000);
    const second = keys();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(ram.resolveKey(first.accessKeyId, first.securityToken).ok).toBe(true);
    advance(5_000);
    expect(ram.resolveKey(first.accessKeyId, first.securityToken)).toEqual({
      ok: false,
      refusal: "TokenExpired",
    });
    expect(ram.resolveKey(second.accessKeyId, second.securityToken).ok).toBe(true);
  });
});
