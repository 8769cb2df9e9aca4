import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_PATH, renderOpenApi } from "../../../scripts/openapi";
import type { HttpResponse } from "../../../shared/http/fc-http-event";
import { pipelineRequestKeys } from "../../../shared/http/openapi";
import { ROUTES } from "../../../shared/http/routes";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";
import {
  FC_CONTEXT,
  inMemoryFunctions,
  SERVICE_ACCOUNT,
  VALID_REQUEST_BODY,
} from "../../support/in-memory-functions";
import { OpenApiResponseChecker } from "../../support/openapi-responses";
import { tokenKit } from "../../support/token-kit";

const rendered = renderOpenApi();

type Doc = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
};

describe("the OpenAPI document", () => {
  const doc = JSON.parse(rendered) as Doc;

  it("has one operation per route, and no other", () => {
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => `${m.toUpperCase()} ${p} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.operation}`).sort());
  });

  it("names every parameter of the request contract", () => {
    expect(pipelineRequestKeys()).toEqual(
      expect.arrayContaining(["RegionId", "AccountId", "ClientToken", "ImageName"]),
    );
  });

  it("gives every route its 401 and 403", () => {
    for (const methods of Object.values(doc.paths))
      for (const op of Object.values(methods))
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "403"]));
  });

  // The file is compared as JSON, so Biome may format it.
  it("is what docs/openapi.json holds (`npm run openapi` rewrites the file; then run biome format on it)", () => {
    expect(JSON.parse(readFileSync(OPENAPI_PATH, "utf8"))).toEqual(JSON.parse(rendered));
  });
});

const context = FC_CONTEXT;
const VALID = VALID_REQUEST_BODY;

/**
 * The submit and status functions in-process (FC3 events in, in-memory ports): each answer, success
 * and problem, checked against the document as the e2e harness checks the stack's.
 */
describe("the functions' answers, against the document", () => {
  const checker = new OpenApiResponseChecker(JSON.parse(rendered));
  const store = new InMemoryRecordStore();
  const queue = new InMemoryQueue();
  const clock = new FakeClock();
  const logger = new CapturingLogger();
  let call: (method: string, target: string, body?: unknown, token?: string) => Promise<unknown>;
  let readerOnly: string;

  beforeAll(async () => {
    const kit = await tokenKit();
    const writer = await kit.sign({ sub: "alice", scope: "pipelines:write pipelines:read" });
    readerOnly = await kit.sign({ sub: "alice", scope: "pipelines:read" });
    const functions = inMemoryFunctions(kit, { store, queue, clock, logger });
    call = async (method, target, body, token = writer) => {
      const [path, query = ""] = target.split("?");
      const event = {
        version: "v1",
        rawPath: path,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        queryParameters: Object.fromEntries(new URLSearchParams(query)),
        body: body === undefined ? "" : JSON.stringify(body),
        isBase64Encoded: false,
        requestContext: {
          accountId: SERVICE_ACCOUNT,
          http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
          requestId: "req-1",
        },
      };
      const fn = method === "GET" ? functions.status : functions.submit;
      const response = (await fn(Buffer.from(JSON.stringify(event)), context)) as HttpResponse;
      const parsed = JSON.parse(response.body) as unknown;
      const contentType = response.headers["content-type"] ?? null;
      expect(
        checker.problems({ method, target, status: response.statusCode, contentType, body: parsed }),
      ).toEqual([]);
      return { status: response.statusCode, body: parsed };
    };
  });

  it("refuses what it does not describe", () => {
    const record = { method: "GET", target: "/v1/pipelines/p-1", contentType: "application/json" };
    expect(checker.problems({ ...record, status: 200, body: { id: "p-1", status: "done" } })).not.toEqual([]);
    expect(checker.problems({ ...record, status: 418, body: {} })).toEqual([
      "GET /v1/pipelines/p-1 -> 418: getPipeline documents no 418",
    ]);
    expect(
      checker.problems({
        method: "GET",
        target: "/nowhere",
        status: 404,
        contentType: "text/plain",
        body: {},
      }),
    ).not.toEqual([]);
  });

  it("describes every success", async () => {
    const accepted = (await call("POST", "/v1/pipelines", { ...VALID, ImageName: "old-name" })) as {
      status: number;
      body: { id: string; warnings?: unknown[] };
    };
    expect(accepted.status).toBe(202);
    expect(accepted.body.warnings).toHaveLength(1);
    const batch = (await call("POST", "/v1/batches", {
      items: [VALID, { ...VALID, Name: "web-base-v2" }],
    })) as {
      status: number;
      body: { id: string };
    };
    expect(batch.status).toBe(202);
    expect(await call("GET", `/v1/pipelines/${accepted.body.id}`)).toMatchObject({ status: 200 });
    expect(await call("GET", "/v1/pipelines?limit=1")).toMatchObject({
      status: 200,
      body: { nextCursor: expect.any(String) },
    });
    expect(await call("GET", `/v1/batches/${batch.body.id}?limit=1`)).toMatchObject({ status: 200 });
    expect(await call("DELETE", `/v1/pipelines/${accepted.body.id}`)).toMatchObject({
      status: 200,
      body: { status: "cancelled" },
    });
  });

  it("describes the problems, with their lists of faults", async () => {
    expect(await call("POST", "/v1/pipelines", { ...VALID, Unknown: 1, RegionId: "" })).toMatchObject({
      status: 400,
      body: { errorCount: 2 },
    });
    expect(await call("GET", "/v1/pipelines?limit=0&status=nope")).toMatchObject({
      status: 400,
      body: { errors: [{ parameter: "limit" }, { parameter: "status" }] },
    });
    expect(await call("POST", "/v1/pipelines", VALID, readerOnly)).toMatchObject({ status: 403 });
    expect(await call("GET", "/v1/pipelines/nothing-here")).toMatchObject({ status: 404 });
    expect(await call("PUT", "/v1/pipelines")).toMatchObject({ status: 405 });
  });
});
