/** The wiring of the HTTP functions: configuration read once, clients per FC credentials. No network. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FcContext } from "../../../shared/fc/context";

const context = (accessKeyId: string): FcContext => ({
  requestId: "r",
  credentials: { accessKeyId, accessKeySecret: "secret", securityToken: "sts" },
  function: { name: "f", handler: "index.handler", memory: 512, timeout: 10 },
  region: "cn-hangzhou",
  accountId: "1000000000000001",
});

const BASE_ENV = {
  SERVICE_ACCOUNT_ID: "1000000000000001",
  TABLESTORE_ENDPOINT: "http://127.0.0.1:1",
  TABLESTORE_INSTANCE: "local",
  MNS_ENDPOINT: "http://127.0.0.1:2",
};

describe("http composition", () => {
  beforeEach(() => {
    vi.resetModules();
    for (const [name, value] of Object.entries(BASE_ENV)) vi.stubEnv(name, value);
  });
  afterEach(() => vi.unstubAllEnvs());

  it("builds the store and the queue once per set of credentials", async () => {
    const { httpPorts } = await import("../../../shared/composition/http");
    const { submitSenders } = await import("../../../shared/composition/submit");
    const first = httpPorts(context("AK1"));
    expect(httpPorts(context("AK1")).store).toBe(first.store);
    expect(submitSenders(context("AK1")).queue).toBe(submitSenders(context("AK1")).queue);
    expect(httpPorts(context("AK2")).store).not.toBe(first.store);
    expect(first.config.serviceAccountId).toBe("1000000000000001");
  });

  it("refuses to verify tokens without the JWT settings, naming each missing one", async () => {
    vi.stubEnv("JWT_ISSUER", "https://issuer");
    const { httpTokenVerifier } = await import("../../../shared/composition/http");
    expect(() => httpTokenVerifier()).toThrow(/JWT_JWKS_URL is required; JWT_AUDIENCE is required/);
  });

  it("builds one verifier from the JWT settings", async () => {
    vi.stubEnv("JWT_JWKS_URL", "http://127.0.0.1:3/jwks.json");
    vi.stubEnv("JWT_ISSUER", "https://issuer");
    vi.stubEnv("JWT_AUDIENCE", "api");
    const { httpTokenVerifier } = await import("../../../shared/composition/http");
    expect(httpTokenVerifier()).toBe(httpTokenVerifier());
  });

  it("gives submit a completion-event publisher only when EVENTS_TOPIC is set", async () => {
    const { submitSenders } = await import("../../../shared/composition/submit");
    expect(submitSenders(context("AK1")).publisher).toBeUndefined();
    vi.resetModules();
    vi.stubEnv("EVENTS_TOPIC", "completions");
    const again = await import("../../../shared/composition/submit");
    expect(again.submitSenders(context("AK1")).publisher).toBeDefined();
  });

  it("refuses a context without credentials, naming the fix, instead of signing with empty keys", async () => {
    const { httpPorts } = await import("../../../shared/composition/http");
    expect(() => httpPorts({ ...context("AK1"), credentials: {} as FcContext["credentials"] })).toThrow(
      /give the function a role/,
    );
  });
});
