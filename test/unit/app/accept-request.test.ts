import { describe, expect, it } from "vitest";
import {
  acceptPipelineRequest,
  idempotencyScope,
  isIdempotencyKey,
} from "../../../shared/app/accept-request";
import { callerClientToken } from "../../../shared/app/ids";
import type { Requester } from "../../../shared/app/requester";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";

const SERVICE_ACCOUNT = "1000000000000001";
const alice: Requester = { sub: "alice", isAdmin: false };
const bob: Requester = { sub: "bob", isAdmin: false };

const validBody = () => ({
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: "web-base-v1",
  BuildContent: "RUN yum install -y nginx",
});

function setup() {
  const store = new InMemoryRecordStore();
  const queue = new InMemoryQueue();
  const clock = new FakeClock();
  const logger = new CapturingLogger();
  let n = 0;
  const deps = {
    store,
    queue,
    clock,
    logger,
    serviceAccountId: SERVICE_ACCOUNT,
    newId: () => `01JD00000000000000000000${String(++n).padStart(2, "0")}`,
  };
  return { store, queue, clock, logger, deps };
}

describe("acceptPipelineRequest", () => {
  it("stores a pending record in the service account, enqueues its id once, and generates the ClientToken", async () => {
    const { deps, store, queue } = setup();
    const outcome = await acceptPipelineRequest(deps, { requester: alice, body: validBody() });
    expect(outcome.kind).toBe("accepted");
    if (outcome.kind !== "accepted") return;
    const { record } = outcome;
    expect(outcome.replayed).toBe(false);
    expect(record).toMatchObject({
      status: "pending",
      accountId: SERVICE_ACCOUNT,
      regionId: "cn-hangzhou",
      batchId: null,
      submittedBy: "alice",
      attempts: 0,
      createdAt: "2026-11-27T16:00:00.000Z",
    });
    expect(record.clientToken).toBe(record.id);
    expect(store.records.get(record.id)).toEqual(record);
    expect(queue.sent).toEqual([{ id: record.id }]);
  });

  it("scopes a caller's ClientToken to the caller and strips AccountId from the stored request", async () => {
    const { deps } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), AccountId: SERVICE_ACCOUNT, ClientToken: "tok-1" },
    });
    if (outcome.kind !== "accepted") throw new Error(outcome.kind);
    expect(outcome.record.clientToken).toBe(callerClientToken("alice", "tok-1"));
    expect(outcome.record.clientToken).toMatch(/^[0-9a-f]{64}$/);
    expect(outcome.record.request).not.toHaveProperty("AccountId");
    expect(outcome.record.request.ClientToken).toBe("tok-1");
  });

  it("gives two callers with the same body and ClientToken two records with two ECS tokens, and each caller's retry its own", async () => {
    const { deps, store, queue } = setup();
    const body = { ...validBody(), ClientToken: "shared-token" };
    const first = await acceptPipelineRequest(deps, { requester: alice, body });
    const second = await acceptPipelineRequest(deps, { requester: bob, body });
    const retry = await acceptPipelineRequest(deps, { requester: alice, body });
    if (first.kind !== "accepted" || second.kind !== "accepted" || retry.kind !== "accepted")
      throw new Error("expected three acceptances");
    expect(second.record.id).not.toBe(first.record.id);
    expect(second.record.clientToken).not.toBe(first.record.clientToken);
    expect(retry.replayed).toBe(true);
    expect(retry.record.id).toBe(first.record.id);
    expect(retry.record.clientToken).toBe(first.record.clientToken);
    expect(store.records.size).toBe(2);
    expect(queue.sent).toEqual([{ id: first.record.id }, { id: second.record.id }]);
  });

  it("derives the ECS token from the pair, so a sub and a token cannot be shifted into each other", () => {
    expect(callerClientToken("a:b", "c")).not.toBe(callerClientToken("a", "b:c"));
    expect(callerClientToken("alice", "t")).toBe(callerClientToken("alice", "t"));
    expect(callerClientToken("x".repeat(500), "\u007e".repeat(64))).toMatch(/^[\x21-\x7e]{1,64}$/);
  });

  it("accepts another account and stores it as the record's accountId", async () => {
    const { deps, store, queue } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), AccountId: "1000000000000002" },
    });
    if (outcome.kind !== "accepted") throw new Error(outcome.kind);
    expect(outcome.record.accountId).toBe("1000000000000002");
    expect(outcome.record.request).not.toHaveProperty("AccountId");
    expect(store.records.get(outcome.record.id)?.accountId).toBe("1000000000000002");
    expect(queue.sent).toEqual([{ id: outcome.record.id }]);
  });

  it("returns the violations of an invalid body and stores nothing", async () => {
    const { deps, store } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), SystemDiskSize: 5 },
    });
    expect(outcome.kind).toBe("invalid");
    if (outcome.kind === "invalid")
      expect(outcome.violations).toEqual([expect.objectContaining({ pointer: "#/SystemDiskSize" })]);
    expect(store.records.size).toBe(0);
    expect(store.idempotency.size).toBe(0);
  });

  it("reports deprecated names as warnings and maps them", async () => {
    const { deps } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), ImageName: "web" },
    });
    if (outcome.kind !== "accepted") throw new Error(outcome.kind);
    expect(outcome.warnings).toEqual([expect.objectContaining({ code: "DeprecatedParameter.ImageName" })]);
    expect(outcome.record.request.ImageOptions?.ImageName).toBe("web");
  });

  describe.each([
    { source: "Idempotency-Key", input: { idempotencyKey: "key-1" }, body: validBody() },
    { source: "ClientToken", input: {}, body: { ...validBody(), ClientToken: "tok-1" } },
  ] as const)("$source as the idempotency key", ({ source, input, body }) => {
    it("replays the same body: same record, nothing new enqueued", async () => {
      const { deps, store, queue } = setup();
      const first = await acceptPipelineRequest(deps, { requester: alice, body, ...input });
      const second = await acceptPipelineRequest(deps, {
        requester: alice,
        body: structuredClone(body),
        ...input,
      });
      if (first.kind !== "accepted" || second.kind !== "accepted") throw new Error("not accepted");
      expect(second.record.id).toBe(first.record.id);
      expect(second.replayed).toBe(true);
      expect(store.records.size).toBe(1);
      expect(queue.sent).toHaveLength(1);
    });

    it("answers IdempotencyKeyReused for a different body", async () => {
      const { deps, store } = setup();
      await acceptPipelineRequest(deps, { requester: alice, body, ...input });
      const changed = await acceptPipelineRequest(deps, {
        requester: alice,
        body: { ...body, Name: "another-name" },
        ...input,
      });
      expect(changed).toEqual({ kind: "idempotency-key-reused", source });
      expect(store.records.size).toBe(1);
    });

    it("scopes the key to the caller", async () => {
      const { deps, store } = setup();
      const a = await acceptPipelineRequest(deps, { requester: alice, body, ...input });
      const b = await acceptPipelineRequest(deps, {
        requester: bob,
        body: { ...body, Name: "bobs" },
        ...input,
      });
      if (a.kind !== "accepted" || b.kind !== "accepted") throw new Error("not accepted");
      expect(b.record.id).not.toBe(a.record.id);
      expect(store.records.size).toBe(2);
    });
  });

  it("treats a deprecated name and its replacement as the same body for idempotency", async () => {
    const { deps } = setup();
    const first = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), ImageName: "web" },
      idempotencyKey: "k",
    });
    const second = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), ImageOptions: { ImageName: "web" } },
      idempotencyKey: "k",
    });
    if (first.kind !== "accepted" || second.kind !== "accepted") throw new Error("not accepted");
    expect(second.record.id).toBe(first.record.id);
  });

  it("still accepts when the send fails after the write: the record stays pending for the reconciler", async () => {
    const { deps, store, queue, logger } = setup();
    queue.failSends = true;
    const outcome = await acceptPipelineRequest(deps, { requester: alice, body: validBody() });
    if (outcome.kind !== "accepted") throw new Error(outcome.kind);
    expect(store.records.get(outcome.record.id)?.status).toBe("pending");
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        fields: expect.objectContaining({ recordId: outcome.record.id }),
      }),
    );
  });

  it("writes the idempotency entry before the record, pointing at the record", async () => {
    const { deps, store } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: validBody(),
      idempotencyKey: "k",
    });
    if (outcome.kind !== "accepted") throw new Error(outcome.kind);
    const entry = store.idempotency.get(idempotencyScope("Idempotency-Key", "alice", "k"));
    expect(entry).toMatchObject({
      targetId: outcome.record.id,
      fingerprint: expect.stringMatching(/^sha256:/),
    });
  });

  it("completes a request whose process died after the idempotency entry: the replay writes the named record once", async () => {
    const { deps, store, queue } = setup();
    const first = await acceptPipelineRequest(deps, {
      requester: alice,
      body: validBody(),
      idempotencyKey: "k",
    });
    if (first.kind !== "accepted") throw new Error(first.kind);
    // As if the first process had died between the entry and the record.
    store.records.delete(first.record.id);
    queue.sent.length = 0;
    const retry = await acceptPipelineRequest(deps, {
      requester: alice,
      body: validBody(),
      idempotencyKey: "k",
    });
    if (retry.kind !== "accepted") throw new Error(retry.kind);
    expect(retry.record.id).toBe(first.record.id);
    expect(retry.record.clientToken).toBe(first.record.clientToken);
    expect(queue.sent).toEqual([{ id: first.record.id }]);
  });

  it("when a concurrent twin wins the key, answers with the twin's record and writes nothing", async () => {
    const { deps, store, queue } = setup();
    const twin = await acceptPipelineRequest(deps, {
      requester: alice,
      body: validBody(),
      idempotencyKey: "k",
    });
    if (twin.kind !== "accepted") throw new Error(twin.kind);
    // The twin's entry appears between our read (which saw nothing) and our put.
    const getIdempotency = store.getIdempotency.bind(store);
    let reads = 0;
    store.getIdempotency = async (scope) => (++reads === 1 ? undefined : getIdempotency(scope));
    const ours = await acceptPipelineRequest(deps, {
      requester: alice,
      body: validBody(),
      idempotencyKey: "k",
    });
    if (ours.kind !== "accepted") throw new Error(ours.kind);
    expect(ours.record.id).toBe(twin.record.id);
    expect(store.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it.each([
    ["a", true],
    ["x".repeat(64), true],
    ["with space ~", true],
    ["", false],
    ["x".repeat(65), false],
    ["tab\there", false],
    ["ünïcode", false],
  ])("isIdempotencyKey(%j) is %s", (key, ok) => {
    expect(isIdempotencyKey(key)).toBe(ok);
  });
});

describe("labels", () => {
  it("stores them on the record, apart from the request, and counts them in the idempotency fingerprint", async () => {
    const { deps, store } = setup();
    const headers = { requester: alice, idempotencyKey: "k-labels" };
    const body = { ...validBody(), labels: { ticket: "CR-1" } };
    const first = await acceptPipelineRequest(deps, { ...headers, body });
    if (first.kind !== "accepted") throw new Error(first.kind);
    expect(first.record.labels).toEqual({ ticket: "CR-1" });
    expect(first.record.request).not.toHaveProperty("labels");
    expect(store.records.get(first.record.id)?.labels).toEqual({ ticket: "CR-1" });
    const replay = await acceptPipelineRequest(deps, { ...headers, body: { ...body } });
    expect(replay).toMatchObject({ kind: "accepted", replayed: true });
    const other = await acceptPipelineRequest(deps, {
      ...headers,
      body: { ...body, labels: { ticket: "CR-2" } },
    });
    expect(other).toEqual({ kind: "idempotency-key-reused", source: "Idempotency-Key" });
  });

  it("leaves a record without labels as it was before labels existed", async () => {
    const { deps } = setup();
    const outcome = await acceptPipelineRequest(deps, {
      requester: alice,
      body: { ...validBody(), labels: {} },
    });
    expect(outcome.kind === "accepted" && "labels" in outcome.record).toBe(false);
  });
});
