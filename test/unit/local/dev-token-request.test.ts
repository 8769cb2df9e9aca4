/** The body of the local stack's POST /_local/dev-token (local/control-plane.ts). */
import { describe, expect, it } from "vitest";
import { CONSOLE_DEV_TOKEN_SECONDS, parseDevTokenRequest } from "../../../local/control-plane";
import { DEFAULT_DEV_SCOPE } from "../../../local/jwt";

describe("parseDevTokenRequest", () => {
  it("defaults the subject and scope, for an empty or missing body", () => {
    const expected = {
      sub: "console-user",
      scope: DEFAULT_DEV_SCOPE,
      expiresInSeconds: CONSOLE_DEV_TOKEN_SECONDS,
    };
    expect(parseDevTokenRequest({})).toEqual(expected);
    expect(parseDevTokenRequest(undefined)).toEqual(expected);
  });

  it("takes a subject and any known scopes", () => {
    expect(
      parseDevTokenRequest({ sub: "alice@example", scope: "pipelines:admin pipelines:read" }),
    ).toMatchObject({
      sub: "alice@example",
      scope: "pipelines:admin pipelines:read",
    });
  });

  it.each([
    [{ sub: "" }, "sub must be"],
    [{ sub: "a b" }, "sub must be"],
    [{ sub: "x".repeat(65) }, "sub must be"],
    [{ sub: 7 }, "sub must be"],
    [{ scope: "pipelines:read everything" }, "scope must be"],
    [{ scope: "" }, "scope must be"],
  ])("refuses %j", (body, message) => {
    expect(() => parseDevTokenRequest(body)).toThrow(message);
  });
});
