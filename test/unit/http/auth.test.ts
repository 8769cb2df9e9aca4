/** The token verifier over a local key set (no network); the remote JWKS: test/integration/http/remote-jwks.test.ts. */
import { createLocalJWKSet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { bearerToken, CLOCK_SKEW_SECONDS, createTokenVerifier } from "../../../shared/http/auth";
import { AUDIENCE, ISSUER, problemOf, type TokenKit, tokenKit } from "../../support/token-kit";

/** A NumericDate this many seconds from now. */
const inSeconds = (seconds: number): number => Math.floor(Date.now() / 1000) + seconds;

describe("createTokenVerifier rejections", () => {
  let kit: TokenKit;
  let stranger: TokenKit;
  beforeAll(async () => {
    kit = await tokenKit();
    stranger = await tokenKit();
  });

  it.each([
    ["expired", () => kit.sign({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 }), /expired/],
    ["not yet valid", () => kit.sign({}, { notBefore: "10m", expiresIn: "20m" }), /not valid yet/],
    ["wrong issuer", () => kit.sign({ iss: "https://evil.example" }), /iss/],
    ["wrong audience", () => kit.sign({ aud: "someone-else" }), /aud/],
    ["signed by another key with the same kid", () => stranger.sign(), /signature/],
    ["no subject", () => kit.sign({ sub: undefined }), /sub/],
    ["not a JWT", async () => "not.a.jwt", /malformed/],
    ["issued ten years from now", () => kit.sign({}, { issuedAt: inSeconds(10 * 365 * 86_400) }), /iat/],
    ["issued two minutes from now", () => kit.sign({}, { issuedAt: inSeconds(120) }), /iat/],
    [
      "valid only from two minutes from now",
      () => kit.sign({}, { notBefore: inSeconds(120) }),
      /not valid yet/,
    ],
  ])("%s -> 401 with WWW-Authenticate: Bearer", async (_name, token, detail) => {
    const problem = await problemOf(kit.verifier(await token()));
    expect(problem.status).toBe(401);
    expect(problem.detail).toMatch(detail);
    expect(problem.headers["www-authenticate"]).toMatch(
      /^Bearer realm="image-pipelines", error="invalid_token"/,
    );
  });
});

describe("clock skew", () => {
  let kit: TokenKit;
  beforeAll(async () => {
    kit = await tokenKit();
  });

  it(`is ${CLOCK_SKEW_SECONDS} s: iat and nbf 30 s ahead are accepted`, async () => {
    expect(CLOCK_SKEW_SECONDS).toBe(60);
    const token = await kit.sign({}, { issuedAt: inSeconds(30), notBefore: inSeconds(30) });
    await expect(kit.verifier(token)).resolves.toMatchObject({ sub: "alice" });
  });
});

describe("bearerToken", () => {
  it.each([
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer abc.def.ghi", "abc.def.ghi"],
    ["Basic dXNlcjpwYXNz", undefined],
    ["Bearer", undefined],
    [undefined, undefined],
  ])("%j -> %j", (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe("createTokenVerifier's memory of verified tokens", () => {
  let kit: TokenKit;
  beforeAll(async () => {
    kit = await tokenKit();
  });

  /** A key set that counts how often a signature had to be checked. */
  function countingVerifier(now: () => number, verifiedTokenTtlMs?: number) {
    let checks = 0;
    const keys = createLocalJWKSet(kit.jwks);
    const verify = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: (header, token) => {
        checks++;
        return keys(header, token);
      },
      now,
      ...(verifiedTokenTtlMs !== undefined ? { verifiedTokenTtlMs } : {}),
    });
    return { verify, checks: () => checks };
  }

  it("checks a token's signature once, and answers the same caller for it again", async () => {
    const clock = Date.now();
    const { verify, checks } = countingVerifier(() => clock);
    const token = await kit.sign({ sub: "alice" });
    const first = await verify(token);
    expect(await verify(token)).toBe(first);
    expect(checks()).toBe(1);
  });

  it("checks again after the memory's time, and refuses a remembered token once it expires", async () => {
    let clock = Date.now();
    const { verify, checks } = countingVerifier(() => clock, 60_000);
    const token = await kit.sign({ sub: "alice" }, { expiresIn: Math.floor(clock / 1000) + 90 });
    await verify(token);
    clock += 61_000;
    await verify(token);
    expect(checks()).toBe(2);
    // 90 s of life plus the 60 s clock skew: at +152 s jose itself must refuse it again.
    clock += 91_000;
    await expect(verify(token)).rejects.toMatchObject({ status: 401 });
  });

  it("remembers nothing with a time of 0", async () => {
    const { verify, checks } = countingVerifier(Date.now, 0);
    const token = await kit.sign();
    await verify(token);
    await verify(token);
    expect(checks()).toBe(2);
  });

  it("never remembers a refused token", async () => {
    const { verify, checks } = countingVerifier(Date.now);
    const token = await kit.sign({ aud: "someone-else" });
    await expect(verify(token)).rejects.toMatchObject({ status: 401 });
    await expect(verify(token)).rejects.toMatchObject({ status: 401 });
    expect(checks()).toBe(2);
  });
});
