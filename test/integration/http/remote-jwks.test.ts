/** The token verifier with its key set fetched over HTTP from a JWKS server on this machine. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../../shared/http/auth";
import { AUDIENCE, ISSUER, problemOf, type TokenKit, tokenKit } from "../../support/token-kit";

describe("createTokenVerifier with a remote JWKS", () => {
  let kit: TokenKit;
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;

  beforeAll(async () => {
    kit = await tokenKit();
    server = createServer((req, res) => {
      if (req.url === "/.well-known/jwks.json") {
        fetches++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(kit.jwks));
      } else res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("accepts a good token, returns its subject and scopes, and caches the key set", async () => {
    const verify = createTokenVerifier({ jwksUrl, issuer: ISSUER, audience: AUDIENCE });
    const caller = await verify(await kit.sign({ sub: "alice", scope: "pipelines:read pipelines:admin" }));
    expect(caller.sub).toBe("alice");
    expect([...caller.scopes].sort()).toEqual(["pipelines:admin", "pipelines:read"]);
    await verify(await kit.sign());
    expect(fetches).toBe(1);
  });

  it("answers 503 (not 401) when the key set cannot be fetched", async () => {
    const verify = createTokenVerifier({
      jwksUrl: jwksUrl.replace("jwks.json", "missing.json"),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const problem = await problemOf(verify(await kit.sign()));
    expect(problem.status).toBe(503);
  });
});
