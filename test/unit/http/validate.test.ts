/**
 * POST /v1/pipelines:validate and /v1/batches:validate through the submit chain, against the
 * in-memory ports: the same problems as submission, 200 with the request as it would be sent, and
 * nothing stored, queued or reserved.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FcHttpEvent, HttpResponse } from "../../../shared/http/fc-http-event";
import { createHttpFunction } from "../../../shared/http/http-function";
import { submitOperations } from "../../../shared/http/submit-operations";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";
import {
  FC_CONTEXT,
  type HttpFunction,
  inMemoryFunctions,
  SERVICE_ACCOUNT,
  VALID_REQUEST_BODY,
} from "../../support/in-memory-functions";
import { type TokenKit, tokenKit } from "../../support/token-kit";

const context = FC_CONTEXT;

const validBody = VALID_REQUEST_BODY;

function fcEvent(
  method: string,
  path: string,
  token: string,
  body: unknown,
  headers: Record<string, string>,
) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const event: FcHttpEvent = {
    version: "v1",
    rawPath: path,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    queryParameters: {},
    body: text,
    isBase64Encoded: false,
    requestContext: {
      accountId: SERVICE_ACCOUNT,
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
      requestId: "req-1",
    },
  };
  return Buffer.from(JSON.stringify(event));
}

const json = (response: HttpResponse): Record<string, unknown> => JSON.parse(response.body);

describe("validation without storing", () => {
  let kit: TokenKit;
  let writer: string;
  let reader: string;
  let store: InMemoryRecordStore;
  let queue: InMemoryQueue;
  let submit: HttpFunction;

  beforeAll(async () => {
    kit = await tokenKit();
    writer = await kit.sign({ sub: "alice", scope: "pipelines:write" });
    reader = await kit.sign({ sub: "alice", scope: "pipelines:read" });
  });

  beforeEach(() => {
    store = new InMemoryRecordStore();
    queue = new InMemoryQueue();
    ({ submit } = inMemoryFunctions(kit, {
      store,
      queue,
      clock: new FakeClock(),
      logger: new CapturingLogger(),
    }));
  });

  const call = (path: string, body: unknown, headers: Record<string, string> = {}, token = writer) =>
    submit(fcEvent("POST", path, token, body, headers), context);

  const nothingKept = () => {
    expect(store.records.size).toBe(0);
    expect(store.batches.size).toBe(0);
    expect(store.idempotency.size).toBe(0);
    expect(queue.sent).toEqual([]);
  };

  it("answers a valid request with 200, the request as it would be sent, and its warnings", async () => {
    const response = await call("/v1/pipelines:validate", { ...validBody, ImageName: "web" });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      valid: true,
      accountId: SERVICE_ACCOUNT,
      regionId: "cn-hangzhou",
      request: { ...validBody, ImageOptions: { ImageName: "web" } },
      warnings: [expect.objectContaining({ pointer: "#/ImageName" })],
    });
    expect(response.headers).not.toHaveProperty("location");
    nothingKept();
  });

  it("answers a valid batch with 200 and every item in order", async () => {
    const items = [validBody, { ...validBody, AccountId: "1000000000000002", RegionId: "cn-shanghai" }];
    const response = await call("/v1/batches:validate", { items });
    expect(response.statusCode).toBe(200);
    const body = json(response) as { valid: boolean; total: number; items: Record<string, unknown>[] };
    expect(body.valid).toBe(true);
    expect(body.total).toBe(2);
    expect(body.items.map((i) => [i.accountId, i.regionId])).toEqual([
      [SERVICE_ACCOUNT, "cn-hangzhou"],
      ["1000000000000002", "cn-shanghai"],
    ]);
    nothingKept();
  });

  it.each([
    [
      "an invalid request",
      "/v1/pipelines",
      "/v1/pipelines:validate",
      { ...validBody, SystemDiskSize: 5 },
      {},
    ],
    ["malformed JSON", "/v1/pipelines", "/v1/pipelines:validate", "{nope", {}],
    [
      "a body over 64 KiB",
      "/v1/pipelines",
      "/v1/pipelines:validate",
      { ...validBody, Description: "x".repeat(70_000) },
      {},
    ],
    [
      "a malformed Idempotency-Key",
      "/v1/pipelines",
      "/v1/pipelines:validate",
      validBody,
      { "idempotency-key": "é" },
    ],
    [
      "an invalid batch item",
      "/v1/batches",
      "/v1/batches:validate",
      { items: [validBody, { ...validBody, Name: "" }] },
      {},
    ],
    [
      "a batch repeating a ClientToken",
      "/v1/batches",
      "/v1/batches:validate",
      {
        items: [
          { ...validBody, ClientToken: "t" },
          { ...validBody, ClientToken: "t" },
        ],
      },
      {},
    ],
    ["a batch of no items", "/v1/batches", "/v1/batches:validate", { items: [] }, {}],
  ])(
    "answers %s with the problem submission answers",
    async (_name, submitPath, validatePath, body, headers) => {
      const validated = await call(validatePath, body, headers);
      nothingKept();
      const submitted = await call(submitPath, body, headers);
      expect(validated.statusCode).toBeGreaterThanOrEqual(400);
      expect(validated.statusCode).toBe(submitted.statusCode);
      const { instance: _a, ...problem } = json(validated);
      const { instance: _b, ...expected } = json(submitted);
      expect(problem).toEqual(expected);
    },
  );

  it("needs pipelines:write, as submission does", async () => {
    const response = await call("/v1/pipelines:validate", validBody, {}, reader);
    expect(response.statusCode).toBe(403);
    expect(json(response)).toMatchObject({ code: "InsufficientScope", requiredScopes: ["pipelines:write"] });
  });

  it("neither reserves nor looks up an Idempotency-Key", async () => {
    const key = { "idempotency-key": "k-1" };
    expect((await call("/v1/pipelines:validate", validBody, key)).statusCode).toBe(200);
    nothingKept();
    // The submit that follows, with another body, is the key's first use: 202, not 422.
    const submitted = await call("/v1/pipelines", { ...validBody, Name: "other" }, key);
    expect(submitted.statusCode).toBe(202);
    expect(submitted.headers).not.toHaveProperty("idempotent-replayed");
    // The key is now held for another body; validation still does not look at it.
    expect((await call("/v1/pipelines:validate", validBody, key)).statusCode).toBe(200);
    expect(store.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("answers with the store and the queue unreachable: it uses neither", async () => {
    const unreachable = new Proxy(
      {},
      {
        get: () => {
          throw new Error("validation touched a port it must not use");
        },
      },
    ) as never;
    const isolated = createHttpFunction({
      functionName: "submit",
      verifier: () => kit.verifier,
      operations: submitOperations(() => ({
        accept: unreachable,
        cancel: unreachable,
        validate: { serviceAccountId: SERVICE_ACCOUNT },
      })),
    });
    const one = await isolated(fcEvent("POST", "/v1/pipelines:validate", writer, validBody, {}), context);
    const batch = await isolated(
      fcEvent("POST", "/v1/batches:validate", writer, { items: [validBody] }, {}),
      context,
    );
    expect([one.statusCode, batch.statusCode]).toEqual([200, 200]);
  });
});
