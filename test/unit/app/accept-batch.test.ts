import { describe, expect, it } from "vitest";
import {
  acceptBatch,
  CLIENT_TOKEN_ALREADY_USED,
  DUPLICATE_CLIENT_TOKEN,
} from "../../../shared/app/accept-batch";
import { acceptPipelineRequest } from "../../../shared/app/accept-request";
import { batchRecordIds, callerClientToken, isRecordId, newRecordId } from "../../../shared/app/ids";
import type { Requester } from "../../../shared/app/requester";
import { CapturingLogger, FakeClock, InMemoryQueue, InMemoryRecordStore } from "../../support/fakes";

const SERVICE_ACCOUNT = "1000000000000001";
const OTHER_ACCOUNT = "1000000000000002";
const alice: Requester = { sub: "alice", isAdmin: false };
const bob: Requester = { sub: "bob", isAdmin: false };

const item = (n: number, extra: Record<string, unknown> = {}) => ({
  RegionId: n % 2 === 0 ? "cn-hangzhou" : "cn-shanghai",
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: `web-base-${n}`,
  BuildContent: "RUN yum install -y nginx",
  ...extra,
});
const items = (count: number) => Array.from({ length: count }, (_, n) => item(n));

function setup() {
  const store = new InMemoryRecordStore();
  const queue = new InMemoryQueue();
  const clock = new FakeClock();
  const logger = new CapturingLogger();
  const deps = { store, queue, clock, logger, serviceAccountId: SERVICE_ACCOUNT };
  return { store, queue, clock, logger, deps };
}

async function accepted(outcome: Awaited<ReturnType<typeof acceptBatch>>) {
  if (outcome.kind !== "accepted") throw new Error(`${outcome.kind}: ${JSON.stringify(outcome)}`);
  return outcome;
}

describe("batchRecordIds", () => {
  it("gives ids that increase in item order, follow from the batch id, and are record ids", () => {
    const clock = new FakeClock();
    const batchId = newRecordId(clock, () => new Uint8Array(10).fill(0xff).map((b, i) => (i < 9 ? b : 0)));
    const ids = batchRecordIds(batchId, 500);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]! > batchId).toBe(true);
    expect(ids.every(isRecordId)).toBe(true);
    expect(batchRecordIds(batchId, 3)).toEqual(ids.slice(0, 3));
    // The random part carries into the time part, and the order still holds.
    expect(ids[499]!.slice(0, 10) > batchId.slice(0, 10)).toBe(true);
  });
});

describe("acceptBatch", () => {
  it("writes every record pending in one createMany, sends one message each in item order, and keeps accounts", async () => {
    const { deps, store, queue } = setup();
    const body = { items: [item(0), item(1, { AccountId: OTHER_ACCOUNT }), item(2)] };
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body }));
    expect(outcome.replayed).toBe(false);
    expect(isRecordId(outcome.batchId)).toBe(true);
    expect(outcome.items.map((i) => [i.accountId, i.regionId])).toEqual([
      [SERVICE_ACCOUNT, "cn-hangzhou"],
      [OTHER_ACCOUNT, "cn-shanghai"],
      [SERVICE_ACCOUNT, "cn-hangzhou"],
    ]);
    const ids = outcome.items.map((i) => i.id);
    expect(ids).toEqual(batchRecordIds(outcome.batchId, 3));
    expect(store.calls.createMany).toBe(1);
    expect(store.calls.create).toBeUndefined();
    expect(queue.sent).toEqual(ids.map((id) => ({ id })));
    const page = await store.listByBatch(outcome.batchId, { limit: 10 });
    expect(page.items.map((r) => r.id)).toEqual(ids);
    expect(page.items.map((r) => r.request.Name)).toEqual(["web-base-0", "web-base-1", "web-base-2"]);
    for (const record of page.items) {
      expect(record).toMatchObject({ status: "pending", batchId: outcome.batchId, submittedBy: "alice" });
      expect(record.clientToken).toBe(record.id);
      expect(record.request).not.toHaveProperty("AccountId");
    }
    expect(store.records.get(ids[1]!)?.accountId).toBe(OTHER_ACCOUNT);
  });

  it("gives every item record the batch's labels under its own", async () => {
    const { deps, store } = setup();
    const body = {
      labels: { ticket: "CR-1", env: "prod" },
      items: [item(0), item(1, { labels: { env: "test" } })],
    };
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body }));
    const [first, second] = outcome.items.map((i) => store.records.get(i.id));
    expect(first?.labels).toEqual({ ticket: "CR-1", env: "prod" });
    expect(second?.labels).toEqual({ ticket: "CR-1", env: "test" });
    expect(second?.request).not.toHaveProperty("labels");
  });

  it("refuses the whole batch when one item is invalid, with #/items/N pointers, and writes nothing", async () => {
    const { deps, store, queue } = setup();
    const body = { items: [item(0), item(1, { SystemDiskSize: 5 }), item(2, { Name: "" })] };
    const outcome = await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" });
    expect(outcome.kind).toBe("invalid");
    if (outcome.kind !== "invalid") return;
    const pointers = outcome.violations.map((v) => v.pointer);
    expect(pointers).toContain("#/items/1/SystemDiskSize");
    expect(pointers.some((p) => p.startsWith("#/items/2/Name"))).toBe(true);
    expect(store.records.size).toBe(0);
    expect(store.idempotency.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it("puts deprecated-name warnings under the item's pointer", async () => {
    const { deps } = setup();
    const body = { items: [item(0), item(1, { ImageName: "web" })] };
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body }));
    expect(outcome.warnings).toEqual([
      expect.objectContaining({ pointer: "#/items/1/ImageName", code: "DeprecatedParameter.ImageName" }),
    ]);
  });

  it("answers a replay (same key, same body) with the same batch and ids, writing and sending nothing", async () => {
    const { deps, store, queue } = setup();
    const body = { items: items(20) };
    const first = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k1" }));
    const writes = { ...store.calls };
    const sent = queue.sent.length;
    const again = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k1" }));
    expect(again).toEqual({ ...first, replayed: true });
    expect(store.calls.createMany).toBe(writes.createMany);
    expect(store.calls.putIdempotency).toBe(writes.putIdempotency);
    expect(queue.sent.length).toBe(sent);
    expect(store.records.size).toBe(20);
  });

  it.each([
    ["another body", { items: items(3) }, { items: items(4) }],
    ["the same items in another order", { items: [item(0), item(1)] }, { items: [item(1), item(0)] }],
  ])("answers the same key with %s with idempotency-key-reused", async (_name, body, other) => {
    const { deps, store } = setup();
    await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    const size = store.records.size;
    expect(await acceptBatch(deps, { requester: alice, body: other, idempotencyKey: "k" })).toEqual({
      kind: "idempotency-key-reused",
      source: "Idempotency-Key",
    });
    expect(store.records.size).toBe(size);
  });

  it("scopes the key to the caller: another caller's same key makes another batch", async () => {
    const { deps } = setup();
    const body = { items: items(2) };
    const a = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    const b = await accepted(await acceptBatch(deps, { requester: bob, body, idempotencyKey: "k" }));
    expect(b.batchId).not.toBe(a.batchId);
    expect(b.replayed).toBe(false);
  });

  it("shares the key space with single requests: a batch key used for one request is a 422", async () => {
    const { deps } = setup();
    await acceptPipelineRequest(deps, { requester: alice, body: item(0), idempotencyKey: "k" });
    expect(
      await acceptBatch(deps, { requester: alice, body: { items: [item(0)] }, idempotencyKey: "k" }),
    ).toEqual({ kind: "idempotency-key-reused", source: "Idempotency-Key" });
  });

  it("finishes a batch whose earlier attempt died after the key: same ids, only the missing records written and sent", async () => {
    const { deps, store, queue } = setup();
    const body = { items: items(5) };
    const first = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    const ids = first.items.map((i) => i.id);
    // As if the process died during the write: three records never landed, no header, nothing sent.
    for (const id of ids.slice(2)) store.records.delete(id);
    store.batches.delete(first.batchId);
    queue.sent.length = 0;
    // The batch index lists nothing yet: which records exist is read by id.
    store.holdIndexes();
    const again = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    expect(again.batchId).toBe(first.batchId);
    expect(again.items.map((i) => i.id)).toEqual(ids);
    expect(again.replayed).toBe(true);
    expect([...store.records.keys()].sort()).toEqual(ids);
    expect(store.calls.create).toBeUndefined();
    expect(queue.sent).toEqual(ids.slice(2).map((id) => ({ id })));
    expect(store.batches.get(first.batchId)).toMatchObject({ total: 5, submittedBy: "alice" });
  });

  it("writes the batch header after every record, with the item count and the owner", async () => {
    const { deps, store, clock } = setup();
    const putBatch = store.putBatch.bind(store);
    let recordsWhenHeaderWritten = -1;
    store.putBatch = async (header) => {
      recordsWhenHeaderWritten = store.records.size;
      return putBatch(header);
    };
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body: { items: items(7) } }));
    expect(recordsWhenHeaderWritten).toBe(7);
    expect(store.batches.get(outcome.batchId)).toEqual({
      id: outcome.batchId,
      submittedBy: "alice",
      total: 7,
      createdAt: clock.now().toISOString(),
    });
  });

  it("answers a replay of a batch with its header without reading or writing any record", async () => {
    const { deps, store, queue } = setup();
    const body = { items: items(5) };
    await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    store.holdIndexes();
    const before = { ...store.calls };
    const sent = queue.sent.length;
    const again = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    expect(again.replayed).toBe(true);
    expect(store.calls.statusesOf).toBe(before.statusesOf);
    expect(store.calls.createMany).toBe(before.createMany);
    expect(store.calls.putBatch).toBe(before.putBatch);
    expect(queue.sent.length).toBe(sent);
  });

  it("finishes a batch whose earlier attempt wrote every record but died before the header", async () => {
    const { deps, store, queue } = setup();
    const body = { items: items(3) };
    const first = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    store.batches.delete(first.batchId);
    queue.sent.length = 0;
    await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    expect(store.batches.get(first.batchId)?.total).toBe(3);
    expect(store.calls.createMany).toBe(1);
    expect(queue.sent).toEqual([]);
  });

  it("uses an item's ClientToken as its ECS token and as the caller's idempotency key for single requests", async () => {
    const { deps, store } = setup();
    const body = { items: [item(0, { ClientToken: "tok-a" }), item(1)] };
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body }));
    const [tokened, plain] = outcome.items.map((i) => store.records.get(i.id)!);
    expect(tokened!.clientToken).toBe(callerClientToken("alice", "tok-a"));
    expect(plain!.clientToken).toBe(plain!.id);
    // A later single request with the same token and body is the batch item, not a new record.
    const single = await acceptPipelineRequest(deps, {
      requester: alice,
      body: item(0, { ClientToken: "tok-a" }),
    });
    expect(single).toMatchObject({ kind: "accepted", replayed: true, record: { id: tokened!.id } });
    expect(
      await acceptPipelineRequest(deps, { requester: alice, body: item(7, { ClientToken: "tok-a" }) }),
    ).toEqual({ kind: "idempotency-key-reused", source: "ClientToken" });
  });

  it("refuses two items with one ClientToken, pointing at the later one, and writes nothing", async () => {
    const { deps, store } = setup();
    const body = {
      items: [
        item(0, { ClientToken: "t" }),
        item(1),
        item(2, { ClientToken: "t" }),
        item(3, { ClientToken: "t" }),
      ],
    };
    const outcome = await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" });
    expect(outcome).toEqual({
      kind: "invalid",
      violations: [
        expect.objectContaining({ pointer: "#/items/2/ClientToken", code: DUPLICATE_CLIENT_TOKEN }),
        expect.objectContaining({ pointer: "#/items/3/ClientToken", code: DUPLICATE_CLIENT_TOKEN }),
      ],
    });
    expect(store.calls.putIdempotency).toBeUndefined();
    expect(store.records.size).toBe(0);
  });

  it("refuses an item whose ClientToken an earlier request of the caller used, before writing anything", async () => {
    const { deps, store, queue } = setup();
    const single = await acceptPipelineRequest(deps, {
      requester: alice,
      body: item(0, { ClientToken: "t" }),
    });
    if (single.kind !== "accepted") throw new Error(single.kind);
    const entries = store.idempotency.size;
    const body = { items: [item(5), item(0, { ClientToken: "t" })] };
    const outcome = await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" });
    expect(outcome).toEqual({
      kind: "invalid",
      violations: [
        {
          pointer: "#/items/1/ClientToken",
          code: CLIENT_TOKEN_ALREADY_USED,
          detail: expect.stringContaining(single.record.id),
        },
      ],
    });
    expect(store.idempotency.size).toBe(entries);
    expect(store.records.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
    // The key was not spent: the corrected batch goes through with it.
    await accepted(
      await acceptBatch(deps, { requester: alice, body: { items: [item(5)] }, idempotencyKey: "k" }),
    );
  });

  it("lets another caller use the same ClientToken", async () => {
    const { deps } = setup();
    await acceptPipelineRequest(deps, { requester: bob, body: item(0, { ClientToken: "t" }) });
    await accepted(
      await acceptBatch(deps, { requester: alice, body: { items: [item(0, { ClientToken: "t" })] } }),
    );
  });

  it("still answers accepted when the send fails after the writes, and logs that the reconciler will enqueue", async () => {
    const { deps, store, queue, logger } = setup();
    queue.failSends = true;
    const outcome = await accepted(await acceptBatch(deps, { requester: alice, body: { items: items(3) } }));
    expect(outcome.items.every((i) => store.records.get(i.id)?.status === "pending")).toBe(true);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: expect.stringContaining("reconciler"),
        fields: expect.objectContaining({ batchId: outcome.batchId, records: 3 }),
      }),
    );
  });

  it("writes nothing and sends nothing when the record write fails, and the key leads to the batch on retry", async () => {
    const { deps, store, queue } = setup();
    const createMany = store.createMany.bind(store);
    store.createMany = async () => {
      throw Object.assign(new Error("busy"), { code: "OTSServerBusy" });
    };
    const body = { items: items(2) };
    await expect(acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" })).rejects.toThrow("busy");
    expect(queue.sent).toEqual([]);
    expect(store.batches.size).toBe(0);
    store.createMany = createMany;
    const retried = await accepted(await acceptBatch(deps, { requester: alice, body, idempotencyKey: "k" }));
    expect(retried.replayed).toBe(true);
    expect(store.records.size).toBe(2);
    expect(store.batches.get(retried.batchId)?.total).toBe(2);
    expect(queue.sent).toHaveLength(2);
  });
});
