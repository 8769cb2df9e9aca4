/**
 * Hostile bodies and queries through the submit and status chains in-process (FC3 events in, FC3
 * responses out, in-memory ports): problem documents stay bounded, the keys valibot would skip are
 * refused like any unknown key, and bytes that are not UTF-8 are never repaired.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_COUNTED_VIOLATIONS } from "../../../shared/domain/request/violation";
import type { HttpResponse } from "../../../shared/http/fc-http-event";
import type { createHttpFunction } from "../../../shared/http/http-function";
import { MAX_LISTED_ERRORS } from "../../../shared/http/problems";
import { BATCH_MAX_MEMBERS } from "../../../shared/http/routes";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";
import {
  FC_CONTEXT,
  inMemoryFunctions,
  SERVICE_ACCOUNT,
  VALID_REQUEST_BODY,
} from "../../support/in-memory-functions";
import { type TokenKit, tokenKit } from "../../support/token-kit";

const PROBLEM_MAX_BYTES = 64 * 1024;

const context = FC_CONTEXT;

const VALID = VALID_REQUEST_BODY;
/** The valid body as JSON text without its closing brace, so raw members can be appended. */
const VALID_OPEN = JSON.stringify(VALID).slice(0, -1);

interface EventSpec {
  method: string;
  path: string;
  token: string;
  /** Exactly the bytes of the body. */
  body?: Buffer;
  /** The event's queryParameters as JSON text (so it can hold `__proto__`). */
  queryJson?: string;
  /** Pass the body as text (isBase64Encoded false), as FC does for text content types. */
  asText?: string;
}

function fcEvent(spec: EventSpec): Buffer {
  const event = {
    version: "v1",
    rawPath: spec.path,
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${spec.token}`,
    },
    queryParameters: "QUERY",
    body: spec.asText ?? (spec.body ?? Buffer.alloc(0)).toString("base64"),
    isBase64Encoded: spec.asText === undefined,
    requestContext: {
      accountId: SERVICE_ACCOUNT,
      http: { method: spec.method, path: spec.path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
      requestId: "req-1",
    },
  };
  return Buffer.from(JSON.stringify(event).replace('"QUERY"', spec.queryJson ?? "{}"));
}

const json = (response: HttpResponse): Record<string, unknown> => JSON.parse(response.body);

describe("hostile input", () => {
  let kit: TokenKit;
  let writer: string;
  let store: InMemoryRecordStore;
  let queue: InMemoryQueue;
  let submit: ReturnType<typeof createHttpFunction>;
  let status: ReturnType<typeof createHttpFunction>;

  beforeAll(async () => {
    kit = await tokenKit();
    writer = await kit.sign({ sub: "alice", scope: "pipelines:write pipelines:read" });
  });

  beforeEach(() => {
    store = new InMemoryRecordStore();
    queue = new InMemoryQueue();
    const clock = new FakeClock();
    const logger = new CapturingLogger();
    ({ submit, status } = inMemoryFunctions(kit, { store, queue, clock, logger }));
  });

  const postText = (path: string, text: string) =>
    submit(fcEvent({ method: "POST", path, token: writer, body: Buffer.from(text) }), context);

  /** A request with `count` unknown keys named by `name`. */
  const withUnknownKeys = (count: number, name: (i: number) => string) => {
    const extra: Record<string, number> = {};
    for (let i = 0; i < count; i++) extra[name(i)] = i;
    return { ...VALID, ...extra };
  };

  describe("problem documents", () => {
    it("list the first 100 violations, count all 250, and stay under 64 KB", async () => {
      const response = await postText("/v1/pipelines", JSON.stringify(withUnknownKeys(250, (i) => `k${i}`)));
      expect(response.statusCode).toBe(400);
      const problem = json(response);
      expect(problem.errorCount).toBe(250);
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      expect((problem.errors as { pointer: string }[])[0]?.pointer).toBe("#/k0");
      expect((problem.errors as { pointer: string }[])[99]?.pointer).toBe("#/k99");
      expect(problem.detail).toBe("250 parameters are invalid; the first 100 are listed");
      expect(Buffer.byteLength(response.body)).toBeLessThan(PROBLEM_MAX_BYTES);
    });

    it("count exactly below the listing cap too", async () => {
      const problem = json(
        await postText("/v1/pipelines", JSON.stringify(withUnknownKeys(3, (i) => `k${i}`))),
      );
      expect(problem).toMatchObject({ errorCount: 3, detail: "3 parameters are invalid" });
      expect(problem.errors).toHaveLength(3);
    });

    it("stop counting at 1,000 for a batch of 500 items with 200 unknown keys each, and stay under 64 KB", async () => {
      const item = withUnknownKeys(200, (i) => `unknown-${i}`);
      const response = await postText("/v1/batches", JSON.stringify({ items: Array(500).fill(item) }));
      expect(response.statusCode).toBe(400);
      const problem = json(response);
      expect(problem.errorCount).toBe(MAX_COUNTED_VIOLATIONS);
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      expect(problem.detail).toBe("1000 or more parameters are invalid; the first 100 are listed");
      expect((problem.errors as { pointer: string }[])[0]?.pointer).toBe("#/items/0/unknown-0");
      expect(Buffer.byteLength(response.body)).toBeLessThan(PROBLEM_MAX_BYTES);
    });

    it("clip keys of any length and characters that JSON escapes sixfold, staying under 64 KB", async () => {
      const item = withUnknownKeys(20, (i) => `${i}${"\u0001".repeat(400)}`);
      const response = await postText("/v1/batches", JSON.stringify({ items: Array(10).fill(item) }));
      const problem = json(response);
      expect(problem.errorCount).toBe(200);
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      for (const error of problem.errors as { pointer: string; detail: string }[]) {
        expect(error.pointer.endsWith("…")).toBe(true);
        expect(Buffer.byteLength(JSON.stringify(error.detail))).toBeLessThanOrEqual(258);
      }
      expect(Buffer.byteLength(response.body)).toBeLessThan(PROBLEM_MAX_BYTES);
    });

    it("refuse a batch with more object members than 500 valid requests can hold, before parsing it", async () => {
      const item = withUnknownKeys(BATCH_MAX_MEMBERS / 500, (i) => `k${i}`);
      const response = await postText("/v1/batches", JSON.stringify({ items: Array(500).fill(item) }));
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        code: "InvalidRequest",
        errorCount: 1,
        errors: [expect.objectContaining({ pointer: "#", code: "InvalidParameter.Body" })],
      });
    });

    it("bound the query faults the same way", async () => {
      const query = Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [`p${i}${"x".repeat(300)}`, "1"]),
      );
      const response = await status(
        fcEvent({ method: "GET", path: "/v1/pipelines", token: writer, queryJson: JSON.stringify(query) }),
        context,
      );
      expect(response.statusCode).toBe(400);
      const problem = json(response);
      expect(problem).toMatchObject({ code: "InvalidQueryParameter", errorCount: 300 });
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      expect(Buffer.byteLength(response.body)).toBeLessThan(PROBLEM_MAX_BYTES);
    });
  });

  describe("__proto__, constructor and prototype", () => {
    const keys = ["__proto__", "constructor", "prototype"];

    it.each(keys)("refuses %s at the top of a request as an unknown key", async (key) => {
      const response = await postText("/v1/pipelines", `${VALID_OPEN},"${key}":{"x":1}}`);
      expect(response.statusCode).toBe(400);
      expect(json(response).errors).toEqual([
        expect.objectContaining({ pointer: `#/${key}`, code: "InvalidParameter.UnknownKey" }),
      ]);
      expect(store.records.size).toBe(0);
    });

    it.each(keys)("refuses %s in nested objects and list entries", async (key) => {
      const body = `${VALID_OPEN},"ImageOptions":{"ImageName":"img-1","${key}":1},"Tag":[{"Key":"k","${key}":"v"}]}`;
      const response = await postText("/v1/pipelines", body);
      expect(response.statusCode).toBe(400);
      expect((json(response).errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
        `#/ImageOptions/${key}`,
        `#/Tag/0/${key}`,
      ]);
    });

    it.each(keys)("refuses %s in a batch item", async (key) => {
      const item = JSON.stringify(VALID);
      const response = await postText("/v1/batches", `{"items":[${item},${VALID_OPEN},"${key}":1}]}`);
      expect(response.statusCode).toBe(400);
      expect((json(response).errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
        `#/items/1/${key}`,
      ]);
      expect(store.records.size).toBe(0);
    });

    it.each(keys)("refuses %s in the batch envelope", async (key) => {
      const response = await postText("/v1/batches", `{"items":[${JSON.stringify(VALID)}],"${key}":1}`);
      expect(response.statusCode).toBe(400);
      expect((json(response).errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([`#/${key}`]);
    });

    it.each(keys)("refuses ?%s=1 on the list route like any unknown parameter", async (key) => {
      const response = await status(
        fcEvent({ method: "GET", path: "/v1/pipelines", token: writer, queryJson: `{"${key}":"1"}` }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        code: "InvalidQueryParameter",
        errors: [expect.objectContaining({ parameter: key, code: "InvalidParameter.UnknownKey" })],
      });
    });
  });

  describe("bytes that are not UTF-8", () => {
    it("answer 400 MalformedJSON when the body arrives base64-encoded", async () => {
      const body = Buffer.concat([
        Buffer.from(`${VALID_OPEN},"Description":"`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const response = await submit(
        fcEvent({ method: "POST", path: "/v1/pipelines", token: writer, body }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(json(response).code).toBe("MalformedJSON");
      expect(store.records.size).toBe(0);
    });

    it("answer 400 MalformedJSON for a lone surrogate in a text body, never U+FFFD", async () => {
      const asText = `${VALID_OPEN},"Description":"a\ud800b"}`;
      const response = await submit(
        fcEvent({ method: "POST", path: "/v1/pipelines", token: writer, asText }),
        context,
      );
      expect(response.statusCode).toBe(400);
      expect(json(response).code).toBe("MalformedJSON");
      expect(store.records.size).toBe(0);
    });

    it("accept the same text body when it is well formed", async () => {
      const asText = `${VALID_OPEN},"Description":"a\u00e9\u4e2d\u{1f600}b"}`;
      const response = await submit(
        fcEvent({ method: "POST", path: "/v1/pipelines", token: writer, asText }),
        context,
      );
      expect(response.statusCode).toBe(202);
      const [record] = [...store.records.values()];
      expect(record?.request.Description).toBe("a\u00e9\u4e2d\u{1f600}b");
    });
  });
});
