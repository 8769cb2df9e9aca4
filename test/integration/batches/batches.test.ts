/**
 * POST /v1/batches and GET /v1/batches/{id} over HTTP, through the real handlers and the real
 * Tablestore and MNS adapters against their emulators, counting the calls each emulator received.
 * The emulator's global indexes lag as the service's do (0-1 s per change, as `npm start`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_TRUSTING_ACCOUNT_IDS } from "../../../local/identities";
import { type BatchService, startBatchService } from "./harness";

let service: BatchService;
let token: string;
let bobToken: string;

beforeAll(async () => {
  service = await startBatchService({ indexLagMs: [0, 1_000] });
  token = await service.kit.sign({ sub: "alice", scope: "pipelines:write pipelines:read" });
  bobToken = await service.kit.sign({ sub: "bob", scope: "pipelines:write pipelines:read" });
});
afterAll(async () => {
  await service.close();
});

const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"];
const item = (n: number) => ({
  ...(n % 3 === 0 ? {} : { AccountId: LOCAL_TRUSTING_ACCOUNT_IDS[n % 2] }),
  RegionId: REGIONS[n % REGIONS.length],
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: `web-base-${n}`,
  BuildContent: "RUN yum install -y nginx",
});

async function post(body: unknown, headers: Record<string, string> = {}, bearer = token, url = service.url) {
  const response = await fetch(`${url}/v1/batches`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

async function get(path: string, bearer = token, url = service.url) {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** Calls each emulator received while `work` ran, without the zero rows. */
async function counted<T>(work: () => Promise<T>) {
  const ts0 = service.tablestore.control.calls();
  const mns0 = service.mns.control.calls();
  const result = await work();
  const diff = <K extends string>(after: Record<K, number>, before: Record<K, number>) =>
    Object.fromEntries(
      Object.entries<number>(after)
        .map(([op, n]) => [op, n - (before[op as K] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
  return {
    result,
    tablestore: diff(service.tablestore.control.calls(), ts0),
    mns: diff(service.mns.control.calls(), mns0),
  };
}

describe("a batch of 500 items", () => {
  const items = Array.from({ length: 500 }, (_, n) => item(n));
  let batchId: string;
  let ids: string[];

  it("is accepted in one request at the minimum number of Tablestore and MNS calls", async () => {
    const { result, tablestore, mns } = await counted(() =>
      post({ items }, { "idempotency-key": "five-hundred" }),
    );
    console.info(
      `POST /v1/batches, 500 items: Tablestore ${JSON.stringify(tablestore)}, MNS ${JSON.stringify(mns)}`,
    );
    expect(result.response.status).toBe(202);
    // Minimum: ceil(500/200) = 3 BatchWriteRow, ceil(500/16) = 32 BatchSendMessage, the key's
    // conditional PutRow, the batch header's, and one GetRow that looks the key up first.
    expect(tablestore).toEqual({ GetRow: 1, PutRow: 2, BatchWriteRow: 3 });
    expect(mns).toEqual({ BatchSendMessage: 32 });
    expect(service.mns.control.queues()).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "image-pipeline-requests" })]),
    );

    const body = result.body as {
      id: string;
      total: number;
      items: { id: string; accountId: string; regionId: string }[];
    };
    batchId = body.id;
    ids = body.items.map((i) => i.id);
    expect(result.response.headers.get("location")).toBe(`/v1/batches/${batchId}`);
    expect(result.response.headers.get("retry-after")).toBe("2");
    expect(body.total).toBe(500);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(500);
    expect(body.items[1]).toEqual({
      id: ids[1],
      accountId: LOCAL_TRUSTING_ACCOUNT_IDS[1],
      regionId: "cn-shanghai",
    });
    expect(body.items[3]?.accountId).toBe("1000000000000001");
  });

  it("reads back with whole-batch counts and pages of items in submission order", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const { response, body } = await get(
        `/v1/batches/${batchId}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("retry-after")).toBe("2");
      expect(body).toMatchObject({
        id: batchId,
        total: 500,
        counts: { pending: 500, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
        done: false,
      });
      const page = body.items as { id: string; batchId: string; request: { Name: string } }[];
      seen.push(...page.map((r) => r.id));
      expect(page.every((r) => r.batchId === batchId)).toBe(true);
      cursor = body.nextCursor as string | undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it("answers a replay with the same batch, writing and sending nothing new", async () => {
    const { result, tablestore, mns } = await counted(() =>
      post({ items }, { "idempotency-key": "five-hundred" }),
    );
    expect(result.response.status).toBe(202);
    expect(result.response.headers.get("idempotent-replayed")).toBe("true");
    expect(result.body.id).toBe(batchId);
    expect((result.body.items as { id: string }[]).map((i) => i.id)).toEqual(ids);
    // The key, then the batch header, which says the batch is whole.
    expect(tablestore).toEqual({ GetRow: 2 });
    expect(mns).toEqual({});
  });

  it("answers the same key with another body with 422", async () => {
    const { result } = await counted(() =>
      post({ items: items.slice(1) }, { "idempotency-key": "five-hundred" }),
    );
    expect(result.response.status).toBe(422);
    expect(result.body.code).toBe("IdempotencyKeyReused");
  });

  it("answers 400 for a cursor this batch did not hand out", async () => {
    const otherItem = Buffer.from(JSON.stringify({ v: 1, k: ["01JD00000000000000000000AB"] })).toString(
      "base64url",
    );
    for (const cursor of [otherItem, "not-a-cursor"]) {
      const { response, body } = await get(`/v1/batches/${batchId}?cursor=${cursor}`);
      expect(response.status).toBe(400);
      expect(body.code).toBe("InvalidQueryParameter");
    }
  });

  it("hides the batch from another caller", async () => {
    const { response } = await get(`/v1/batches/${batchId}`, bobToken);
    expect(response.status).toBe(404);
  });
});

describe("a batch read right after its 202, while the batch index has not caught up", () => {
  // A fixed lag far longer than the POST and the reads take, so the index certainly lags.
  const LAG_MS = 4_000;
  let lagging: BatchService;
  beforeAll(async () => {
    lagging = await startBatchService({ indexLagMs: LAG_MS });
  });
  afterAll(async () => {
    await lagging?.close();
  });

  it("answers total 500 with every item pending, and lists the items once the index catches up", async () => {
    const bearer = await lagging.kit.sign({ sub: "alice", scope: "pipelines:write pipelines:read" });
    const accepted = await post(
      { items: Array.from({ length: 500 }, (_, n) => item(n)) },
      {},
      bearer,
      lagging.url,
    );
    expect(accepted.response.status).toBe(202);
    const batchId = accepted.body.id as string;
    const ids = (accepted.body.items as { id: string }[]).map((i) => i.id);

    const read = await get(`/v1/batches/${batchId}?limit=100`, bearer, lagging.url);
    expect(read.response.status).toBe(200);
    expect(read.body).toMatchObject({
      id: batchId,
      total: 500,
      counts: { pending: 500, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      done: false,
    });
    expect((read.body.items as { id: string }[]).map((i) => i.id)).toEqual(ids.slice(0, 100));

    // The list reads the index: empty now, whole once the lag has passed (eventually consistent).
    const listPath = `/v1/pipelines?batchId=${batchId}&limit=100`;
    expect((await get(listPath, bearer, lagging.url)).body.items).toEqual([]);
    expect(lagging.tablestore.control.pendingIndexChanges()).toBeGreaterThan(0);
    await lagging.tablestore.control.settleIndexes();
    const listed = await get(listPath, bearer, lagging.url);
    expect((listed.body.items as { id: string }[]).map((i) => i.id)).toEqual(ids.slice(0, 100));
  }, 30_000);
});

describe("refusals", () => {
  it("refuses a batch with one bad item whole, with pointers, and writes nothing", async () => {
    const { result, tablestore, mns } = await counted(() =>
      post({ items: [item(0), { ...item(1), SystemDiskSize: 5 }] }),
    );
    expect(result.response.status).toBe(400);
    expect(result.body.errors).toEqual([expect.objectContaining({ pointer: "#/items/1/SystemDiskSize" })]);
    expect(tablestore).toEqual({});
    expect(mns).toEqual({});
  });

  it("refuses a body over 64 KiB per item with 413", async () => {
    const big = { ...item(0), Description: "x".repeat(1000) };
    const padded = `${JSON.stringify({ items: [big] })}${" ".repeat(70 * 1024)}`;
    const response = await fetch(`${service.url}/v1/batches`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: padded,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { maxBytes: number }).maxBytes).toBe(64 * 1024);
  });
});
