/**
 * The service end to end over real HTTP (docs/http-api.md): the built bundles in the local FC
 * runtime, the real SDKs against the emulators, the queue trigger driving the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_QUEUE_NAME } from "../../local/fc/local-differences";
import { Caller, type E2eStack, eventually, type RecordView, startE2eStack, validRequest } from "./harness";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let e2e: E2eStack;
let alice: Caller;

beforeAll(async () => {
  e2e = await startE2eStack();
  alice = new Caller(e2e.stack, "alice");
}, 60_000);

afterAll(async () => {
  await e2e?.close();
});

describe("a valid request", () => {
  it("is accepted with 202 and reaches succeeded with an ip- id and exactly one pipeline", async () => {
    const accepted = await alice.submit(validRequest("e2e-single"));
    expect(accepted.status).toBe(202);
    const { id } = accepted.body;
    expect(id).toMatch(ULID);
    expect(accepted.body.status).toBe("pending");
    expect(accepted.headers.get("location")).toBe(`/v1/pipelines/${id}`);
    expect(accepted.headers.get("retry-after")).toMatch(/^\d+$/);

    const [record] = await alice.waitForTerminal([id]);
    expect(record).toMatchObject({ id, status: "succeeded" });
    expect(record?.imagePipelineId).toMatch(/^ip-[a-z0-9]{20}$/);
    const pipelines = e2e.stack.control.pipelines().filter((p) => p.clientToken === record?.clientToken);
    expect(pipelines).toEqual([
      expect.objectContaining({ imagePipelineId: record?.imagePipelineId, name: "e2e-single" }),
    ]);
  });
});

describe("invalid requests", () => {
  it.each([
    [
      "a missing parameter",
      validRequest("e2e-invalid", { BaseImageType: undefined }),
      "#/BaseImageType",
      "MissingParameter.BaseImageType",
    ],
    [
      "a disk size out of range",
      validRequest("e2e-invalid", { SystemDiskSize: 10 }),
      "#/SystemDiskSize",
      "InvalidSystemDiskSize.NotSupportedValue",
    ],
    [
      "a reserved tag key",
      validRequest("e2e-invalid", { Tag: [{ Key: "aliyun-x", Value: "v" }] }),
      "#/Tag/0/Key",
      "InvalidTagKey.Malformed",
    ],
    [
      "an unknown key",
      validRequest("e2e-invalid", { Colour: "red" }),
      "#/Colour",
      "InvalidParameter.UnknownKey",
    ],
  ])("answers 400 for %s with its code and pointer", async (_what, body, pointer, code) => {
    const res = await alice.submit(JSON.parse(JSON.stringify(body)) as Record<string, unknown>);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 400,
      errors: expect.arrayContaining([expect.objectContaining({ pointer, code })]),
    });
  });

  it("answers 400 MalformedJSON for a body that is not JSON", async () => {
    const res = await alice.request("POST", "/v1/pipelines", {
      rawBody: '{"RegionId":',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("MalformedJSON");
  });

  it("stores and enqueues nothing for a rejected request", async () => {
    const before = e2e.stack.control.calls().createImagePipeline.received;
    await alice.submit(validRequest("e2e-invalid", { SystemDiskSize: 10 }));
    // Lists read indexes that lag writes: once they have caught up, any record would be listed.
    await e2e.stack.control.tablestore.settleIndexes();
    const list = await alice.request<{ items: RecordView[] }>("GET", "/v1/pipelines?limit=100");
    expect(list.body.items.some((r) => JSON.stringify(r).includes('"SystemDiskSize":10'))).toBe(false);
    expect(e2e.stack.control.calls().createImagePipeline.received).toBe(before);
  });
});

describe("authentication and authorization", () => {
  it.each([
    ["no token", {}],
    ["a malformed token", { authorization: "Bearer not-a-jwt" }],
    ["another scheme", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
  ])("answers 401 with WWW-Authenticate for %s", async (_what, headers) => {
    const res = await alice.request("GET", "/v1/pipelines", { auth: false, headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 403 when the token lacks the scope", async () => {
    const reader = new Caller(e2e.stack, "reader", "pipelines:read");
    expect((await reader.submit(validRequest("e2e-forbidden"))).status).toBe(403);
    expect((await reader.request("GET", "/v1/pipelines")).status).toBe(200);
  });

  it("answers 404 for another caller's record, to read or to cancel", async () => {
    const { body } = await alice.submit(validRequest("e2e-private"));
    const bob = new Caller(e2e.stack, "bob");
    expect((await bob.get(body.id)).status).toBe(404);
    expect((await bob.request("DELETE", `/v1/pipelines/${body.id}`)).status).toBe(404);
    expect((await alice.get(body.id)).status).toBe(200);
  });
});

describe("idempotency", () => {
  it("replays the original 202 for the same Idempotency-Key and body, 422 for another body", async () => {
    const key = { "idempotency-key": "e2e-idem-1" };
    const first = await alice.submit(validRequest("e2e-idem"), key);
    expect(first.status).toBe(202);
    const again = await alice.submit(validRequest("e2e-idem"), key);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);

    const changed = await alice.submit(validRequest("e2e-idem-changed"), key);
    expect(changed.status).toBe(422);
    expect(JSON.stringify(changed.body)).toContain("IdempotencyKeyReused");

    const [record] = await alice.waitForTerminal([first.body.id]);
    expect(record?.status).toBe("succeeded");
    expect(e2e.stack.control.pipelines().filter((p) => p.clientToken === record?.clientToken)).toHaveLength(
      1,
    );
  });
});

describe("cancellation", () => {
  it("cancels a pending record, which then never reaches ECS", async () => {
    await e2e.stack.control.pauseTrigger();
    try {
      const { body } = await alice.submit(validRequest("e2e-cancel"));
      const cancelled = await alice.request<RecordView>("DELETE", `/v1/pipelines/${body.id}`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: body.id, status: "cancelled" });
      const acknowledgedBefore = e2e.stack.control.trigger().acknowledged;
      e2e.stack.control.resumeTrigger();
      // The message is still delivered, and the worker must skip the record: the trigger pushes it,
      // the invocation succeeds without an ECS call and the message is deleted (acknowledged; an
      // invocation that failed would leave it for redelivery). Only the request queue counts: the
      // events queue keeps its completion events.
      const drained = await eventually(
        async () => ({
          queue: e2e.stack.control.mns.queues().find((q) => q.name === LOCAL_QUEUE_NAME),
          acknowledged: e2e.stack.control.trigger().acknowledged,
        }),
        ({ queue, acknowledged }) =>
          queue !== undefined &&
          queue.visible + queue.inFlight + queue.delayed === 0 &&
          acknowledged > acknowledgedBefore,
        // Bounded, generously for a loaded machine, and under this test's timeout (60 s), so a miss
        // fails on the assertions below with what was seen last.
        30_000,
      );
      expect(drained.queue).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
      expect(drained.acknowledged).toBeGreaterThan(acknowledgedBefore);
      expect((await alice.get(body.id)).body.status).toBe("cancelled");
      expect(e2e.stack.control.pipelines().some((p) => p.clientToken === body.clientToken)).toBe(false);
    } finally {
      e2e.stack.control.resumeTrigger();
    }
  }, 60_000);

  it("answers 409 with the current state when the record is no longer pending", async () => {
    const { body } = await alice.submit(validRequest("e2e-too-late"));
    await alice.waitForTerminal([body.id]);
    const res = await alice.request("DELETE", `/v1/pipelines/${body.id}`);
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toContain("succeeded");
  });
});

describe("listing", () => {
  it("pages the caller's records newest first, with no nextCursor on the last page", async () => {
    const carol = new Caller(e2e.stack, "carol");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await carol.submit(validRequest(`e2e-list-${i}`))).body.id);
    // The list is eventually consistent (docs/http-api.md): wait until the index shows all five.
    const listed = await eventually(
      () => carol.request<{ items: RecordView[] }>("GET", "/v1/pipelines?limit=100"),
      (res) => res.body.items.length === ids.length,
    );
    expect(listed.body.items.map((r) => r.id)).toEqual([...ids].reverse());
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await carol.request<{ items: RecordView[]; nextCursor?: string }>(
        "GET",
        `/v1/pipelines?${query}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
  });

  it("answers 400 for a limit out of range", async () => {
    expect((await alice.request("GET", "/v1/pipelines?limit=0")).status).toBe(400);
    expect((await alice.request("GET", "/v1/pipelines?limit=101")).status).toBe(400);
  });
});
