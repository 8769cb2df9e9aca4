/**
 * The submit and status chains end to end in-process: FC3 events in (as FC passes them: a Buffer,
 * base64 bodies, headers in any case), FC3 responses out, against the in-memory ports.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DependencyError, ServiceError } from "../../../shared/domain/errors";
import type { FcHttpEvent, HttpResponse } from "../../../shared/http/fc-http-event";
import type { createHttpFunction } from "../../../shared/http/http-function";
import { problemTypeUri } from "../../../shared/http/problems";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";
import {
  FC_CONTEXT,
  inMemoryFunctions,
  SERVICE_ACCOUNT,
  VALID_REQUEST_BODY,
} from "../../support/in-memory-functions";
import { type TokenKit, tokenKit } from "../../support/token-kit";

const EVENTS = path.resolve(__dirname, "../../../events");
const sampleEvent = (file: string): FcHttpEvent => JSON.parse(readFileSync(path.join(EVENTS, file), "utf8"));

const context = FC_CONTEXT;

const validBody = VALID_REQUEST_BODY;

interface EventSpec {
  method: string;
  path: string;
  token?: string | undefined;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

function fcEvent(spec: EventSpec): Buffer {
  const text = spec.rawBody ?? (spec.body === undefined ? "" : JSON.stringify(spec.body));
  const event: FcHttpEvent = {
    version: "v1",
    rawPath: encodeURI(spec.path),
    headers: {
      "User-Agent": "vitest",
      ...(spec.body !== undefined || spec.rawBody !== undefined
        ? { "Content-Type": "application/json" }
        : {}),
      ...(spec.token ? { Authorization: `Bearer ${spec.token}` } : {}),
      ...spec.headers,
    },
    queryParameters: spec.query ?? {},
    body: Buffer.from(text).toString("base64"),
    isBase64Encoded: true,
    requestContext: {
      accountId: SERVICE_ACCOUNT,
      http: { method: spec.method, path: spec.path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
      requestId: "req-1",
    },
  };
  return Buffer.from(JSON.stringify(event));
}

const json = (response: HttpResponse): Record<string, unknown> => JSON.parse(response.body);

describe("HTTP functions", () => {
  let kit: TokenKit;
  let store: InMemoryRecordStore;
  let queue: InMemoryQueue;
  let clock: FakeClock;
  let logger: CapturingLogger;
  let submit: ReturnType<typeof createHttpFunction>;
  let status: ReturnType<typeof createHttpFunction>;
  let writer: string;
  let reader: string;
  let admin: string;
  let bob: string;

  beforeAll(async () => {
    kit = await tokenKit();
    writer = await kit.sign({ sub: "alice", scope: "pipelines:write pipelines:read" });
    reader = await kit.sign({ sub: "alice", scope: "pipelines:read" });
    admin = await kit.sign({ sub: "ops", scope: "pipelines:admin" });
    bob = await kit.sign({ sub: "bob", scope: "pipelines:write pipelines:read" });
  });

  beforeEach(() => {
    store = new InMemoryRecordStore();
    queue = new InMemoryQueue();
    clock = new FakeClock();
    logger = new CapturingLogger();
    ({ submit, status } = inMemoryFunctions(kit, { store, queue, clock, logger }));
  });

  const post = (body: unknown, token = writer, headers: Record<string, string> = {}) =>
    submit(fcEvent({ method: "POST", path: "/v1/pipelines", token, body, headers }), context);

  it("accepts the sample submit event (a Buffer, base64 body, mixed-case headers) with 202, Location and Retry-After", async () => {
    const event = sampleEvent("submit/http-post-pipelines.json");
    event.headers = { ...event.headers, Authorization: `Bearer ${writer}` };
    const response = await submit(Buffer.from(JSON.stringify(event)), context);
    expect(response.statusCode).toBe(202);
    const body = json(response);
    expect(body).toMatchObject({ status: "pending", accountId: SERVICE_ACCOUNT, regionId: "cn-hangzhou" });
    expect(body.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(response.headers).toMatchObject({
      location: `/v1/pipelines/${body.id}`,
      "retry-after": "2",
      "content-type": "application/json",
    });
    expect(body.links).toEqual({ self: `/v1/pipelines/${body.id}` });
    expect(queue.sent).toEqual([{ id: body.id }]);

    // The same Idempotency-Key and body: the original 202 again, nothing new enqueued.
    const replay = await submit(Buffer.from(JSON.stringify(event)), context);
    expect(replay.statusCode).toBe(202);
    expect(json(replay).id).toBe(body.id);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(queue.sent).toHaveLength(1);
  });

  it("accepts the object form of the event too", async () => {
    const event = JSON.parse(
      fcEvent({ method: "POST", path: "/v1/pipelines", token: writer, body: validBody }).toString(),
    );
    expect((await submit(event, context)).statusCode).toBe(202);
  });

  it("answers 422 IdempotencyKeyReused for the same key with another body", async () => {
    await post(validBody, writer, { "Idempotency-Key": "k1" });
    const response = await post({ ...validBody, Name: "other" }, writer, { "idempotency-key": "k1" });
    expect(response.statusCode).toBe(422);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(json(response)).toMatchObject({
      type: problemTypeUri("idempotency-key-reused"),
      code: "IdempotencyKeyReused",
      status: 422,
    });
  });

  it("lists warnings for deprecated names in the 202", async () => {
    const response = await post({ ...validBody, ImageName: "web" });
    expect(response.statusCode).toBe(202);
    expect(json(response).warnings).toEqual([
      expect.objectContaining({ code: "DeprecatedParameter.ImageName" }),
    ]);
  });

  it.each([
    ["an invalid body", { ...validBody, SystemDiskSize: 5 }, {}, 400, "InvalidRequest"],
    ["a bad Idempotency-Key", validBody, { "Idempotency-Key": "x".repeat(65) }, 400, "InvalidIdempotencyKey"],
  ])("refuses %s", async (_name, body, headers, statusCode, code) => {
    const response = await post(body, writer, headers);
    expect(response.statusCode).toBe(statusCode);
    expect(json(response)).toMatchObject({ status: statusCode, code });
    expect(store.records.size).toBe(0);
  });

  it("reports every violation with a pointer", async () => {
    const response = await post({ ...validBody, SystemDiskSize: 5, Tag: [{ Key: "aliyun-x", Value: "v" }] });
    const body = json(response);
    expect(body.detail).toBe("2 parameters are invalid");
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: "#/SystemDiskSize" }),
        expect.objectContaining({ pointer: "#/Tag/0/Key" }),
      ]),
    );
  });

  it.each([
    ["malformed JSON", { rawBody: "{nope" }, 400, "MalformedJSON"],
    [
      "a body over 64 KiB",
      { body: { ...validBody, Description: "x".repeat(70_000) } },
      413,
      "PayloadTooLarge",
    ],
    [
      "text/plain",
      { body: validBody, headers: { "Content-Type": "text/plain" } },
      415,
      "UnsupportedMediaType",
    ],
    [
      "a non-UTF-8 charset",
      { body: validBody, headers: { "content-type": "application/json; charset=latin1" } },
      415,
      "UnsupportedMediaType",
    ],
  ])("answers %s", async (_name, spec, statusCode, code) => {
    const response = await submit(
      fcEvent({ method: "POST", path: "/v1/pipelines", token: writer, ...spec }),
      context,
    );
    expect(response.statusCode).toBe(statusCode);
    expect(json(response)).toMatchObject({ status: statusCode, code });
  });

  it.each([
    ["no Authorization header", undefined, 401, /^Bearer realm="image-pipelines"$/],
    ["a garbage token", "garbage", 401, /error="invalid_token"/],
  ])("answers %s with 401 and WWW-Authenticate", async (_name, token, statusCode, challenge) => {
    const response = await submit(
      fcEvent({ method: "POST", path: "/v1/pipelines", token, body: validBody }),
      context,
    );
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers["www-authenticate"]).toMatch(challenge);
  });

  it("answers a token without pipelines:write with 403", async () => {
    const response = await post(validBody, reader);
    expect(response.statusCode).toBe(403);
    expect(json(response)).toMatchObject({ code: "InsufficientScope", requiredScopes: ["pipelines:write"] });
    expect(response.headers["www-authenticate"]).toMatch(/error="insufficient_scope"/);
  });

  it.each([
    ["an unknown path", "GET", "/v1/nothing", 404, undefined],
    ["a wrong method", "PUT", "/v1/pipelines", 405, "POST, GET"],
    ["a wrong method on an item", "PATCH", "/v1/pipelines/01JD0000000000000000000001", 405, "DELETE, GET"],
    ["the other function's route", "GET", "/v1/pipelines", 404, undefined],
  ])("routes %s", async (_name, method, routePath, statusCode, allow) => {
    const response = await submit(fcEvent({ method, path: routePath, token: writer }), context);
    expect(response.statusCode).toBe(statusCode);
    expect(response.headers.allow).toBe(allow);
    expect(response.headers["content-type"]).toBe("application/problem+json");
  });

  it("answers 500 with a problem body for an event that is not an FC3 HTTP event", async () => {
    const response = await submit(Buffer.from(JSON.stringify({ hello: "world" })), context);
    expect(response.statusCode).toBe(500);
    expect(json(response).code).toBe("InternalError");
  });

  it.each([
    [
      "a cursor the store cannot decode",
      new ServiceError("InvalidCursor", "store failed", { transient: false }),
      400,
      "InvalidQueryParameter",
    ],
    [
      "a store that does not answer",
      new DependencyError("OTSServerBusy", "store failed", { transient: true, httpStatus: 503 }),
      503,
      "ServiceUnavailable",
    ],
    ["a defect", new Error("store failed"), 500, "InternalError"],
  ])("answers %s on the list route", async (_name, fault, statusCode, code) => {
    store.listMatching = async () => {
      throw fault;
    };
    const response = await status(
      fcEvent({ method: "GET", path: "/v1/pipelines", token: reader, query: { status: "failed" } }),
      context,
    );
    expect(response.statusCode).toBe(statusCode);
    expect(json(response)).toMatchObject({ code, instance: "urn:fc:request:req-1" });
    expect(response.body).not.toContain("store failed");
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: "request handled",
        fields: expect.objectContaining({
          requestId: "req-1",
          operation: "listPipelines",
          sub: "alice",
          status: statusCode,
        }),
      }),
    );
  });

  describe("reading and cancelling", () => {
    let id: string;
    beforeEach(async () => {
      id = json(await post(validBody)).id as string;
    });

    it("reads the caller's record with Retry-After while pending", async () => {
      const response = await status(
        fcEvent({ method: "GET", path: `/v1/pipelines/${id}`, token: reader }),
        context,
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers["retry-after"]).toBe("2");
      expect(json(response)).toMatchObject({
        id,
        status: "pending",
        submittedBy: "alice",
        attempts: 0,
        batchId: null,
      });
      expect(json(response)).not.toHaveProperty("leaseUntil");
    });

    it("shows the attempt history on the record ([] before any), and leaves it out of lists", async () => {
      const read = async () =>
        json(await status(fcEvent({ method: "GET", path: `/v1/pipelines/${id}`, token: reader }), context));
      expect((await read()).attemptHistory).toEqual([]);
      const attempt = {
        number: 1,
        at: "2026-11-27T16:00:01.000Z",
        durationMs: 35,
        outcome: "throttled" as const,
        code: "Throttling.User",
        message: "Request was denied due to user flow control.",
        requestId: "6B0C1B61-0E2B-4C7A-9A8F-000000000001",
        httpStatus: 400,
      };
      const stored = store.records.get(id)!;
      store.records.set(id, { ...stored, attempts: 1, attemptHistory: [attempt] });
      expect((await read()).attemptHistory).toEqual([attempt]);
      const list = json(
        await status(fcEvent({ method: "GET", path: "/v1/pipelines", token: reader }), context),
      );
      expect(list.items).toEqual([expect.objectContaining({ id, attempts: 1 })]);
      expect((list.items as object[])[0]).not.toHaveProperty("attemptHistory");
    });

    it("hides the record from another caller (404) but not from an admin", async () => {
      const other = await status(
        fcEvent({ method: "GET", path: `/v1/pipelines/${id}`, token: bob }),
        context,
      );
      expect(other.statusCode).toBe(404);
      const ops = await status(
        fcEvent({ method: "GET", path: `/v1/pipelines/${id}`, token: admin }),
        context,
      );
      expect(ops.statusCode).toBe(200);
    });

    it("answers 404 for the sample status event's unknown id", async () => {
      const event = sampleEvent("status/http-get-pipeline.json");
      event.headers = { ...event.headers, Authorization: `Bearer ${reader}` };
      const response = await status(Buffer.from(JSON.stringify(event)), context);
      expect(response.statusCode).toBe(404);
      expect(json(response).type).toBe(problemTypeUri("not-found"));
    });

    it("cancels a pending record (200), then answers 409 with the current state", async () => {
      const cancel = () =>
        submit(fcEvent({ method: "DELETE", path: `/v1/pipelines/${id}`, token: writer }), context);
      const first = await cancel();
      expect(first.statusCode).toBe(200);
      expect(json(first)).toMatchObject({ id, status: "cancelled" });
      const again = await cancel();
      expect(again.statusCode).toBe(409);
      expect(json(again)).toMatchObject({ code: "IncorrectRecordStatus", recordStatus: "cancelled" });
      const read = await status(
        fcEvent({ method: "GET", path: `/v1/pipelines/${id}`, token: reader }),
        context,
      );
      expect(read.headers["retry-after"]).toBeUndefined();
    });

    it("does not let another caller cancel (404)", async () => {
      const response = await submit(
        fcEvent({ method: "DELETE", path: `/v1/pipelines/${id}`, token: bob }),
        context,
      );
      expect(response.statusCode).toBe(404);
      expect(store.records.get(id)?.status).toBe("pending");
    });
  });

  describe("listing", () => {
    it("pages the caller's records newest first through nextCursor", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(json(await post({ ...validBody, Name: `n${i}` })).id as string);
        clock.advance(1000);
      }
      await post(validBody, bob);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const response = await status(
          fcEvent({
            method: "GET",
            path: "/v1/pipelines",
            token: reader,
            query: { limit: "2", ...(cursor ? { cursor } : {}) },
          }),
          context,
        );
        expect(response.statusCode).toBe(200);
        const page = json(response) as { items: { id: string }[]; nextCursor?: string };
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it("filters by status", async () => {
      await post(validBody);
      const response = await status(
        fcEvent({ method: "GET", path: "/v1/pipelines", token: reader, query: { status: "succeeded" } }),
        context,
      );
      expect(json(response)).toEqual({ items: [] });
    });

    it.each([
      [{ limit: "0" }, "limit"],
      [{ limit: "101" }, "limit"],
      [{ limit: "ten" }, "limit"],
      [{ status: "done" }, "status"],
      [{ batchId: "nope" }, "batchId"],
      [{ colour: "red" }, "colour"],
    ])("refuses the query %j", async (query, parameter) => {
      const response = await status(
        fcEvent({ method: "GET", path: "/v1/pipelines", token: reader, query }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        code: "InvalidQueryParameter",
        errors: [expect.objectContaining({ parameter })],
      });
    });
  });

  describe("batches", () => {
    const postBatch = (body: unknown, token = writer, headers: Record<string, string> = {}) =>
      submit(fcEvent({ method: "POST", path: "/v1/batches", token, body, headers }), context);
    const getBatch = (id: string, token = reader, query: Record<string, string> = {}) =>
      status(fcEvent({ method: "GET", path: `/v1/batches/${id}`, token, query }), context);

    it("accepts a batch with 202, Location, Retry-After and each item's id in order", async () => {
      const response = await postBatch({
        items: [validBody, { ...validBody, AccountId: "1000000000000002", ImageName: "web" }],
      });
      expect(response.statusCode).toBe(202);
      const body = json(response) as { id: string; items: { id: string }[] };
      expect(response.headers).toMatchObject({ location: `/v1/batches/${body.id}`, "retry-after": "2" });
      expect(body).toEqual({
        id: body.id,
        total: 2,
        items: [
          { id: body.items[0]!.id, accountId: SERVICE_ACCOUNT, regionId: "cn-hangzhou" },
          { id: body.items[1]!.id, accountId: "1000000000000002", regionId: "cn-hangzhou" },
        ],
        links: { self: `/v1/batches/${body.id}` },
        warnings: [expect.objectContaining({ pointer: "#/items/1/ImageName" })],
      });
      expect(queue.sent.map((m) => m.id)).toEqual(body.items.map((i) => i.id));
    });

    it.each([
      ["an invalid item", { items: [validBody, { ...validBody, SystemDiskSize: 5 }] }, 400, "InvalidRequest"],
      ["no items", { items: [] }, 400, "InvalidRequest"],
      [
        "two items with one ClientToken",
        {
          items: [
            { ...validBody, ClientToken: "t" },
            { ...validBody, ClientToken: "t" },
          ],
        },
        400,
        "InvalidRequest",
      ],
    ])("refuses %s", async (_name, body, statusCode, code) => {
      const response = await postBatch(body);
      expect(response.statusCode).toBe(statusCode);
      expect(json(response)).toMatchObject({ code });
      expect((json(response).errors as { pointer: string }[])[0]!.pointer).toMatch(/^#\/items/);
      expect(store.records.size).toBe(0);
    });

    it("answers the same key and body with the same batch, and another body with 422", async () => {
      const headers = { "Idempotency-Key": "b1" };
      const first = json(await postBatch({ items: [validBody] }, writer, headers));
      const again = await postBatch({ items: [validBody] }, writer, headers);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(json(again).id).toBe(first.id);
      const other = await postBatch({ items: [validBody, validBody] }, writer, headers);
      expect(other.statusCode).toBe(422);
      expect(json(other).code).toBe("IdempotencyKeyReused");
    });

    it("reads a batch with counts, done and Retry-After while unfinished; another caller gets 404", async () => {
      const accepted = json(await postBatch({ items: [validBody, validBody] })) as { id: string };
      const read = await getBatch(accepted.id, reader, { limit: "1" });
      expect(read.statusCode).toBe(200);
      expect(read.headers["retry-after"]).toBe("2");
      expect(json(read)).toMatchObject({
        id: accepted.id,
        total: 2,
        counts: { pending: 2, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
        done: false,
        items: [expect.objectContaining({ batchId: accepted.id, status: "pending" })],
        nextCursor: expect.any(String),
      });
      for (const record of store.records.values()) record.status = "cancelled";
      const finished = await getBatch(accepted.id);
      expect(json(finished)).toMatchObject({ done: true, counts: { cancelled: 2 } });
      expect(finished.headers["retry-after"]).toBeUndefined();
      const bobs = await status(
        fcEvent({ method: "GET", path: `/v1/batches/${accepted.id}`, token: bob }),
        context,
      );
      expect(bobs.statusCode).toBe(404);
      expect((await getBatch(accepted.id, admin)).statusCode).toBe(200);
    });

    it.each([
      ["an id that is not an id", "nope", {}, 404],
      ["an unknown batch", "01JD0000000000000000000001", {}, 404],
      ["a list-only query parameter", "01JD0000000000000000000001", { batchId: "x" }, 400],
      ["a bad limit", "01JD0000000000000000000001", { limit: "0" }, 400],
    ])("answers %s", async (_name, id, query, statusCode) => {
      expect((await getBatch(id, reader, query)).statusCode).toBe(statusCode);
    });
  });
});
