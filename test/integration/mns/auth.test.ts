import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID } from "../../../local/identities";
import { clientFor, failure, type MnsEmulator, startMns } from "./harness";

let emulator: MnsEmulator;
const temporaryKey = {
  accessKeyId: "STS.LocalTemporary0001",
  accessKeySecret: "temporary-secret",
  accountId: LOCAL_SERVICE_ACCOUNT_ID,
  securityToken: "token-for-STS.LocalTemporary0001",
};

beforeAll(async () => {
  emulator = await startMns();
  emulator.control.addAccessKey(temporaryKey);
  emulator.control.addAccessKey({
    ...temporaryKey,
    accessKeyId: "STS.LocalExpired0001",
    securityToken: "expired",
    expiresAt: Date.now() - 1000,
  });
  await clientFor(emulator).createQueue("auth-q");
});
afterAll(() => emulator.close());

describe("signature and keys", () => {
  it("accepts the local service key", async () => {
    expect((await clientFor(emulator).getQueueAttributes("auth-q")).code).toBe(200);
  });

  it.each([
    ["a wrong secret", { accessKeySecret: "not-the-secret" }, "SignatureDoesNotMatch"],
    ["an unknown key", { accessKeyId: "LTAIUNKNOWN", accessKeySecret: "x" }, "InvalidAccessKeyId"],
    ["a long-term key with a security token", { securityToken: "stray" }, "AccessDenied"],
    ["a temporary key without its token", { ...temporaryKey, securityToken: undefined }, "AccessDenied"],
    ["a temporary key with another token", { ...temporaryKey, securityToken: "forged" }, "AccessDenied"],
    [
      "an expired temporary key",
      { ...temporaryKey, accessKeyId: "STS.LocalExpired0001", securityToken: "expired" },
      "AccessDenied",
    ],
  ])("refuses %s", async (_what, overrides, code) => {
    const error = await failure(clientFor(emulator, overrides).sendMessage("auth-q", { MessageBody: "x" }));
    expect(error).toMatchObject({ code, httpStatus: 403 });
    expect(error.requestId).toMatch(/^[0-9A-F]{24}$/);
  });

  it("answers an unknown AccessKeyId with the documented code and message, before the signature", async () => {
    const error = await failure(
      clientFor(emulator, { accessKeyId: "LTAINOSUCHKEY", accessKeySecret: "whatever" }).getQueueAttributes(
        "auth-q",
      ),
    );
    expect(error).toMatchObject({
      code: "InvalidAccessKeyId",
      httpStatus: 403,
      message: "The AccessKey Id you provided is not exist.",
    });
  });

  it("accepts a temporary key with its security-token header", async () => {
    const sts = clientFor(emulator, temporaryKey);
    expect((await sts.sendMessage("auth-q", { MessageBody: "via sts" })).code).toBe(201);
    expect((await sts.receiveMessage("auth-q")).body.MessageBody).toBe("via sts");
  });

  it("counts a refused request under its operation", async () => {
    const before = emulator.control.calls().GetQueueAttributes;
    await failure(clientFor(emulator, { accessKeySecret: "wrong" }).getQueueAttributes("auth-q"));
    expect(emulator.control.calls().GetQueueAttributes).toBe(before + 1);
  });
});
