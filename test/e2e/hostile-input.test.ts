/**
 * Hostile input end to end, through the local gateway and the built bundles: bytes that are not
 * UTF-8 reach the function as they were sent and are refused, the names valibot skips are refused
 * in query strings, problem documents stay bounded, and two callers with one ClientToken get one
 * pipeline each.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Caller,
  checkApiResponse,
  type E2eStack,
  type RecordView,
  startE2eStack,
  validRequest,
} from "./harness";

let e2e: E2eStack;

beforeAll(async () => {
  e2e = await startE2eStack();
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

/** POSTs exactly these bytes as application/json. */
async function postBytes(sub: string, target: string, body: Buffer) {
  const token = await e2e.stack.control.issueToken({ sub, scope: "pipelines:write pipelines:read" });
  const res = await fetch(`${e2e.stack.url}${target}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body,
  });
  const text = await res.text();
  const parsed = JSON.parse(text) as Record<string, unknown>;
  checkApiResponse({
    method: "POST",
    target,
    status: res.status,
    contentType: res.headers.get("content-type"),
    body: parsed,
  });
  return { status: res.status, text, body: parsed };
}

describe("a JSON body that is not UTF-8", () => {
  it.each([
    ["a byte that never starts a character", [0xff]],
    ["a cut-off two-byte sequence", [0xc3]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["an overlong slash", [0xc0, 0xaf]],
  ])("is 400 MalformedJSON with %s, and nothing is stored", async (_name, bytes) => {
    const open = JSON.stringify(validRequest("e2e-utf8")).slice(0, -1);
    const body = Buffer.concat([
      Buffer.from(`${open},"Description":"before `),
      Buffer.from(bytes),
      Buffer.from(' after"}'),
    ]);
    const answer = await postBytes("utf8-caller", "/v1/pipelines", body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: "MalformedJSON" });
    const list = await new Caller(e2e.stack, "utf8-caller").request<{ items: unknown[] }>(
      "GET",
      "/v1/pipelines",
    );
    expect(list.body.items).toEqual([]);
  });

  it("is accepted, character for character, when it is UTF-8", async () => {
    const description = "caf\u00e9 \u4e2d\u6587 \u{1f680}";
    const answer = await postBytes(
      "utf8-caller-ok",
      "/v1/pipelines",
      Buffer.from(JSON.stringify(validRequest("e2e-utf8-ok", { Description: description }))),
    );
    expect(answer.status).toBe(202);
    const record = await new Caller(e2e.stack, "utf8-caller-ok").request<{
      request: { Description: string };
    }>("GET", `/v1/pipelines/${answer.body.id}`);
    expect(record.body.request.Description).toBe(description);
  });
});

describe("names valibot skips", () => {
  it.each(["__proto__", "constructor", "prototype"])(
    "GET /v1/pipelines?%s=1 is 400 like any unknown parameter",
    async (name) => {
      const res = await new Caller(e2e.stack, "query-caller").request("GET", `/v1/pipelines?${name}=1`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: "InvalidQueryParameter",
        errors: [expect.objectContaining({ parameter: name, code: "InvalidParameter.UnknownKey" })],
      });
    },
  );

  it("a body holding them is 400 with one UnknownKey each", async () => {
    const open = JSON.stringify(validRequest("e2e-proto")).slice(0, -1);
    const answer = await postBytes(
      "proto-caller",
      "/v1/pipelines",
      Buffer.from(`${open},"__proto__":{"x":1},"ImageOptions":{"constructor":1},"prototype":2}`),
    );
    expect(answer.status).toBe(400);
    expect((answer.body.errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
      "#/__proto__",
      "#/ImageOptions/constructor",
      "#/prototype",
    ]);
  });
});

describe("a batch of 500 items with 200 unknown keys each", () => {
  it("is answered with the first 100 violations, errorCount 1000, in under 64 KB", async () => {
    const item = JSON.stringify(
      validRequest("e2e-many", Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`unknown${i}`, i]))),
    );
    const answer = await postBytes(
      "many-caller",
      "/v1/batches",
      Buffer.from(`{"items":[${Array(500).fill(item)}]}`),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: "InvalidRequest", errorCount: 1000 });
    expect(answer.body.errors).toHaveLength(100);
    expect(Buffer.byteLength(answer.text)).toBeLessThan(64 * 1024);
  });
});

describe("two callers with the same ClientToken", () => {
  it("get two pipelines, while each caller's retry reuses its own", async () => {
    const alice = new Caller(e2e.stack, "token-alice");
    const bob = new Caller(e2e.stack, "token-bob");
    const request = validRequest("e2e-shared-token", { ClientToken: "shared-client-token-1" });
    const first = await alice.submit(request);
    const second = await bob.submit(request);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.id).not.toBe(first.body.id);
    const retry = await alice.submit(request);
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");

    const [a, b] = (await alice.waitForTerminal([first.body.id])).concat(
      await bob.waitForTerminal([second.body.id]),
    ) as RecordView[];
    expect(a).toMatchObject({ status: "succeeded" });
    expect(b).toMatchObject({ status: "succeeded" });
    expect(b?.imagePipelineId).not.toBe(a?.imagePipelineId);
    expect(b?.clientToken).not.toBe(a?.clientToken);
    expect(a?.clientToken).toMatch(/^[0-9a-f]{64}$/);
    const pipelines = e2e.stack.control.pipelines().filter((p) => p.name === "e2e-shared-token");
    expect(pipelines.map((p) => p.imagePipelineId).sort()).toEqual(
      [a?.imagePipelineId, b?.imagePipelineId].sort(),
    );
  });
});
