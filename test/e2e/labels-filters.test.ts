/**
 * Labels and list filters end to end (docs/request-contract.md, "Labels"; docs/http-api.md, "Filters"): single requests
 * and a batch with labels over two accounts, an account without a role (so some records fail), two
 * regions and two callers, through the built bundles; then GET /v1/pipelines with each filter and
 * combinations, paged, against what the records say. The stack's indexes lag (0-1000 ms, its
 * default), so each list is read until it agrees or a generous deadline passes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../../local/identities";
import {
  type BatchAcceptedView,
  Caller,
  type E2eStack,
  eventually,
  type ProblemView,
  type RecordPageView,
  type RecordView,
  startE2eStack,
  validRequest,
} from "./harness";

const OTHER_ACCOUNT = LOCAL_TRUSTING_ACCOUNT_IDS[0] as string;
/** The local STS simulator knows no such account: its records fail. */
const NO_ROLE_ACCOUNT = "1000000000000009";
/** A label value nothing else holds, to look for in what ECS received. */
const TICKET = "CR-e2e-7731";

let e2e: E2eStack;
let kim: Caller;
let lee: Caller;
/** Every record of kim's, as GET /v1/pipelines/{id} has it once terminal. */
let records: RecordView[];
let batchId: string;

beforeAll(async () => {
  e2e = await startE2eStack({ reconcileIntervalMs: 10 * 60_000 });
  kim = new Caller(e2e.stack, "kim-labels");
  lee = new Caller(e2e.stack, "lee-labels");
  const singles = [
    { AccountId: LOCAL_SERVICE_ACCOUNT_ID, RegionId: "cn-hangzhou", labels: { ticket: TICKET, env: "prod" } },
    { AccountId: OTHER_ACCOUNT, RegionId: "cn-beijing", labels: { ticket: TICKET } },
    { AccountId: OTHER_ACCOUNT, RegionId: "cn-hangzhou", labels: { ticket: "CR-other" } },
    { AccountId: NO_ROLE_ACCOUNT, RegionId: "cn-hangzhou", labels: { ticket: TICKET, env: "prod" } },
    { AccountId: LOCAL_SERVICE_ACCOUNT_ID, RegionId: "cn-beijing" },
  ];
  const ids: string[] = [];
  for (const [i, { labels, ...target }] of singles.entries()) {
    const accepted = await kim.submit(
      validRequest(`labels-single-${i}`, { ...target, ...(labels ? { labels } : {}) }),
    );
    expect(accepted.status).toBe(202);
    ids.push(accepted.body.id);
  }
  const batch = await kim.request<BatchAcceptedView>("POST", "/v1/batches", {
    body: {
      labels: { ticket: TICKET, "change/id": "chg-1" },
      items: [
        validRequest("labels-batch-0", { AccountId: OTHER_ACCOUNT, RegionId: "cn-hangzhou" }),
        validRequest("labels-batch-1", {
          RegionId: "cn-beijing",
          labels: { "change/id": "chg-2", env: "prod" },
        }),
        validRequest("labels-batch-2", { AccountId: NO_ROLE_ACCOUNT, RegionId: "cn-beijing" }),
      ],
    },
  });
  expect(batch.status).toBe(202);
  batchId = batch.body.id;
  ids.push(...batch.body.items.map((item) => item.id));
  expect((await lee.submit(validRequest("labels-lee", { labels: { ticket: TICKET } }))).status).toBe(202);
  records = await kim.waitForTerminal(ids, 60_000);
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const newestFirst = (views: RecordView[]): string[] =>
  [...views]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
    .map((r) => r.id);

/** Every page of a list with `query`, following nextCursor with the same query. */
async function listAll(caller: Caller, query: string, limit = 2): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const target = `/v1/pipelines?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await caller.request<RecordPageView>("GET", target);
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((r) => r.id));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

/** The list for `query` once the indexes agree with what the records say (bounded wait). */
async function expectListed(query: string, wanted: (r: RecordView) => boolean, order = newestFirst) {
  const expected = order(records.filter(wanted));
  const listed = await eventually(
    () => listAll(kim, query),
    (l) => JSON.stringify(l.ids) === JSON.stringify(expected),
    15_000,
  );
  expect(listed.ids).toEqual(expected);
  return listed;
}

describe("labels", () => {
  it("are stored, returned by GET, inherited from the batch with the item's own winning", async () => {
    const byName = new Map(records.map((r) => [r.request.Name, r]));
    expect(byName.get("labels-single-0")?.labels).toEqual({ ticket: TICKET, env: "prod" });
    expect(byName.get("labels-single-4")?.labels).toEqual({});
    expect(byName.get("labels-batch-0")?.labels).toEqual({ ticket: TICKET, "change/id": "chg-1" });
    expect(byName.get("labels-batch-1")?.labels).toEqual({
      ticket: TICKET,
      "change/id": "chg-2",
      env: "prod",
    });
    for (const record of records) expect(record.request).not.toHaveProperty("labels");
    expect(records.filter((r) => r.status === "failed")).toHaveLength(2);
  });

  it("are carried in completion events and never reach ECS", async () => {
    const byId = new Map(records.map((r) => [r.id, r]));
    const events = await eventually(
      async () =>
        (await e2e.stack.control.events()).flatMap((r) =>
          "event" in r && byId.has((r.event as { id: string }).id)
            ? [r.event as { id: string; labels: object }]
            : [],
        ),
      (found) => new Set(found.map((e) => e.id)).size === records.length,
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(records.length);
    for (const event of events) expect(event.labels).toEqual(byId.get(event.id)?.labels);
    const ecs = await (await fetch(`${e2e.stack.url}/_local/ecs/pipelines`)).text();
    expect(ecs).toContain("labels-single-0");
    expect(ecs).not.toContain(TICKET);
  });

  it("are refused with a pointer per bad key or value", async () => {
    const refused = await kim.request<ProblemView>("POST", "/v1/pipelines", {
      body: validRequest("labels-bad", { labels: { Ticket: "x", ok: "a,b" } }),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ pointer: "#/labels/Ticket", code: "InvalidParameter.labels.Key" }),
      expect.objectContaining({ pointer: "#/labels/ok", code: "InvalidParameter.labels.Value" }),
    ]);
  });
});

describe("GET /v1/pipelines filters", () => {
  it.each<[string, string, (r: RecordView) => boolean]>([
    ["no filter", "", () => true],
    ["status", "status=failed", (r) => r.status === "failed"],
    ["accountId", `accountId=${OTHER_ACCOUNT}`, (r) => r.accountId === OTHER_ACCOUNT],
    ["regionId", "regionId=cn-beijing", (r) => r.regionId === "cn-beijing"],
    ["a label", `label=ticket:${TICKET}`, (r) => r.labels.ticket === TICKET],
    [
      "two labels, repeated",
      `label=ticket:${TICKET}&label=env:prod`,
      (r) => r.labels.ticket === TICKET && r.labels.env === "prod",
    ],
    [
      "account, region and label",
      `accountId=${OTHER_ACCOUNT}&regionId=cn-hangzhou&label=ticket:${TICKET}`,
      (r) => r.accountId === OTHER_ACCOUNT && r.regionId === "cn-hangzhou" && r.labels.ticket === TICKET,
    ],
    [
      "status and label",
      `status=succeeded&label=env:prod`,
      (r) => r.status === "succeeded" && r.labels.env === "prod",
    ],
  ])("%s: the caller's matching records, newest first, over pages of 2", async (_name, query, wanted) => {
    await expectListed(query, wanted);
  });

  it("a batch: its items in submission order, with a status", async () => {
    const inBatch = (r: RecordView) => r.batchId === batchId;
    const bySubmission = (views: RecordView[]) => views.map((r) => r.id).sort();
    await expectListed(`batchId=${batchId}`, inBatch, bySubmission);
    await expectListed(
      `batchId=${batchId}&status=failed`,
      (r) => inBatch(r) && r.status === "failed",
      bySubmission,
    );
  });

  it("a time window: createdAfter inclusive, createdBefore exclusive", async () => {
    const times = records.map((r) => r.createdAt).sort();
    const [from, to] = [times[2] as string, times[6] as string];
    await expectListed(
      `createdAfter=${from}&createdBefore=${to}`,
      (r) => r.createdAt >= from && r.createdAt < to,
    );
  });

  it("pages a filtered list across several pages", async () => {
    const listed = await expectListed(`label=ticket:${TICKET}`, (r) => r.labels.ticket === TICKET);
    expect(listed.ids.length).toBeGreaterThan(2);
    expect(listed.pages).toBeGreaterThan(1);
    // lee's record with the same label is lee's alone.
    expect((await listAll(lee, `label=ticket:${TICKET}`)).ids).toHaveLength(1);
  });

  it("refuses a cursor sent with other filters (400, parameter cursor)", async () => {
    const first = await kim.request<RecordPageView>("GET", `/v1/pipelines?label=ticket:${TICKET}&limit=1`);
    expect(first.body.nextCursor).toBeDefined();
    const cursor = encodeURIComponent(first.body.nextCursor as string);
    const stale = await kim.request<ProblemView>(
      "GET",
      `/v1/pipelines?label=env:prod&limit=1&cursor=${cursor}`,
    );
    expect(stale.status).toBe(400);
    expect(stale.body.errors).toEqual([
      expect.objectContaining({ parameter: "cursor", code: "InvalidParameter.cursor" }),
    ]);
  });

  it("refuses bad filters with 400 naming each parameter", async () => {
    const bad = await kim.request<ProblemView>(
      "GET",
      "/v1/pipelines?status=done&accountId=abc&regionId=Hangzhou&label=Ticket&createdAfter=2026-12-07&createdBefore=yesterday",
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("InvalidQueryParameter");
    expect((bad.body.errors as { parameter: string }[]).map((e) => e.parameter)).toEqual([
      "status",
      "accountId",
      "regionId",
      "label",
      "createdAfter",
      "createdBefore",
    ]);
  });
});
