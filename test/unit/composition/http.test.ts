/**
 * The wiring of the HTTP functions: configuration read once per instance, clients per FC
 * credentials. Each test builds its own instance from the environment it wants. No network.
 */
import { describe, expect, it } from "vitest";
import { httpWiring } from "../../../shared/composition/http";
import { submitWiring } from "../../../shared/composition/submit";
import type { Environment } from "../../../shared/config";
import type { FcContext } from "../../../shared/fc/context";

const context = (accessKeyId: string): FcContext => ({
  requestId: "r",
  credentials: { accessKeyId, accessKeySecret: "secret", securityToken: "sts" },
  function: { name: "f", handler: "index.handler", memory: 512, timeout: 10 },
  region: "cn-hangzhou",
  accountId: "1000000000000001",
});

const BASE_ENV: Environment = {
  SERVICE_ACCOUNT_ID: "1000000000000001",
  TABLESTORE_ENDPOINT: "http://127.0.0.1:1",
  TABLESTORE_INSTANCE: "local",
  MNS_ENDPOINT: "http://127.0.0.1:2",
};

describe("http composition", () => {
  it("builds the store and the queue once per set of credentials", () => {
    const { ports, senders } = submitWiring(BASE_ENV);
    const first = ports(context("AK1"));
    expect(ports(context("AK1")).store).toBe(first.store);
    expect(senders(context("AK1")).queue).toBe(senders(context("AK1")).queue);
    expect(ports(context("AK2")).store).not.toBe(first.store);
    expect(first.config.serviceAccountId).toBe("1000000000000001");
  });

  it("refuses to verify tokens without the JWT settings, naming each missing one", () => {
    const { verifier } = httpWiring({ ...BASE_ENV, JWT_ISSUER: "https://issuer" });
    expect(() => verifier()).toThrow(/JWT_JWKS_URL is required; JWT_AUDIENCE is required/);
  });

  it("builds one verifier from the JWT settings", () => {
    const { verifier } = httpWiring({
      ...BASE_ENV,
      JWT_JWKS_URL: "http://127.0.0.1:3/jwks.json",
      JWT_ISSUER: "https://issuer",
      JWT_AUDIENCE: "api",
    });
    expect(verifier()).toBe(verifier());
  });

  it("gives submit a completion-event publisher only when EVENTS_TOPIC is set", () => {
    expect(submitWiring(BASE_ENV).senders(context("AK1")).publisher).toBeUndefined();
    const withEvents = submitWiring({ ...BASE_ENV, EVENTS_TOPIC: "completions" });
    expect(withEvents.senders(context("AK1")).publisher).toBeDefined();
  });

  it("refuses a context without credentials, naming the fix, instead of signing with empty keys", () => {
    const { ports } = httpWiring(BASE_ENV);
    expect(() => ports({ ...context("AK1"), credentials: {} as FcContext["credentials"] })).toThrow(
      /give the function a role/,
    );
  });

  it("reads the configuration once per instance, at the first call, and each instance its own", () => {
    const env: Environment = { ...BASE_ENV };
    const wiring = httpWiring(env);
    env.SERVICE_ACCOUNT_ID = "1000000000000009";
    expect(wiring.config().serviceAccountId).toBe("1000000000000009");
    env.SERVICE_ACCOUNT_ID = "1000000000000008";
    expect(wiring.config().serviceAccountId).toBe("1000000000000009");
    expect(httpWiring(env).config().serviceAccountId).toBe("1000000000000008");
  });

  it("fails every call while the configuration is invalid, then reads it once it is fixed", () => {
    const env: Environment = { ...BASE_ENV, SERVICE_ACCOUNT_ID: undefined };
    const wiring = httpWiring(env);
    expect(() => wiring.config()).toThrow(/SERVICE_ACCOUNT_ID is required/);
    expect(() => wiring.config()).toThrow(/SERVICE_ACCOUNT_ID is required/);
    env.SERVICE_ACCOUNT_ID = "1000000000000001";
    expect(wiring.config().serviceAccountId).toBe("1000000000000001");
  });
});
