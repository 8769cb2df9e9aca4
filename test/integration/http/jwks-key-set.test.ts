import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errors, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jwksKeySet } from "../../../shared/http/jwks-key-set";

// The key set the HTTP functions use instead of jose's remote one, to keep undici off the cold
// path (shared/composition/jwks): same caching, same errors.
describe("jwksKeySet", () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let answer: { status: number; body: string; delayMs?: number };
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  let publicJwk: JWK;

  const token = (kid: string) =>
    new SignJWT({ sub: "someone" })
      .setProtectedHeader({ alg: "ES256", kid })
      .setExpirationTime("5m")
      .sign(signingKey);
  const keySetOf = (keys: JWK[]) => JSON.stringify({ keys });

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    signingKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    server = createServer((_request, response) => {
      fetches += 1;
      setTimeout(() => {
        response.writeHead(answer.status, { "content-type": "application/json" });
        response.end(answer.body);
      }, answer.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    fetches = 0;
    answer = { status: 200, body: keySetOf([publicJwk]) };
  });

  it("verifies with the fetched keys and reuses them until they are old", async () => {
    let now = 1_000_000;
    const keys = jwksKeySet(url, { timeoutMs: 1000, now: () => now });
    const { payload } = await jwtVerify(await token("k1"), keys);
    expect(payload.sub).toBe("someone");
    await jwtVerify(await token("k1"), keys);
    expect(fetches).toBe(1);
    now += 10 * 60_000;
    await jwtVerify(await token("k1"), keys);
    expect(fetches).toBe(2);
  });

  it("fetches again for an unknown key only once the cooldown has passed", async () => {
    let now = 1_000_000;
    const keys = jwksKeySet(url, { timeoutMs: 1000, now: () => now });
    await jwtVerify(await token("k1"), keys);
    await expect(jwtVerify(await token("k2"), keys)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(fetches).toBe(1);
    now += 30_000;
    answer = { status: 200, body: keySetOf([publicJwk, { ...publicJwk, kid: "k2" }]) };
    await jwtVerify(await token("k2"), keys);
    expect(fetches).toBe(2);
  });

  it("makes one fetch for tokens that arrive together", async () => {
    const keys = jwksKeySet(url, { timeoutMs: 1000 });
    const tokens = await Promise.all([token("k1"), token("k1"), token("k1")]);
    await Promise.all(tokens.map((t) => jwtVerify(t, keys)));
    expect(fetches).toBe(1);
  });

  it.each([
    ["a status other than 200", { status: 500, body: "{}" }, "ERR_JOSE_GENERIC"],
    ["a body that is not JSON", { status: 200, body: "<html>" }, "ERR_JOSE_GENERIC"],
    ["a body that is not a key set", { status: 200, body: '{"keys":"none"}' }, "ERR_JWKS_INVALID"],
    ["no answer in time", { status: 200, body: "{}", delayMs: 300 }, "ERR_JWKS_TIMEOUT"],
  ])("rejects with jose's error code for %s", async (_case, given, code) => {
    answer = given;
    const keys = jwksKeySet(url, { timeoutMs: 100 });
    await expect(jwtVerify(await token("k1"), keys)).rejects.toMatchObject({ code });
  });
});
