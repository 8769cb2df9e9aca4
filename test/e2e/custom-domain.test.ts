/**
 * One API host end to end (docs/deploy.md, "One API host"): the stack's gateway routes by
 * s.domain.yaml's custom domain routes (as resolved by `s`), as FC would behind the domain, instead
 * of by the route table. Every operation of the API works through the one base URL, each reaching
 * the function that serves it (the other function would answer 404 naming its endpoint), and a
 * request no route takes gets the platform's 404, not the service's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchAcceptedView, BatchValidatedView, ValidatedView } from "../../shared/http/views";
import {
  Caller,
  type E2eStack,
  eventually,
  type RecordPageView,
  type RecordView,
  startE2eStack,
  validRequest,
} from "./harness";

let e2e: E2eStack;
let alice: Caller;

beforeAll(async () => {
  e2e = await startE2eStack({ customDomain: true, reconcileIntervalMs: 10 * 60_000 });
  alice = new Caller(e2e.stack, "alice-domain");
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe("the API behind the custom domain's routes", () => {
  it("serves every operation on one base URL, each from its own function", async () => {
    const validated = await alice.request<ValidatedView>("POST", "/v1/pipelines:validate", {
      body: validRequest("domain-one"),
    });
    expect(validated.status).toBe(200);
    const accepted = await alice.submit(validRequest("domain-one"));
    expect(accepted.status).toBe(202);
    const [record] = await alice.waitForTerminal([accepted.body.id]);
    expect(record?.status).toBe("succeeded");

    const batchChecked = await alice.request<BatchValidatedView>("POST", "/v1/batches:validate", {
      body: { items: [validRequest("domain-b0")] },
    });
    expect(batchChecked.status).toBe(200);
    const batch = await alice.request<BatchAcceptedView>("POST", "/v1/batches", {
      body: { items: [validRequest("domain-b0"), validRequest("domain-b1")] },
    });
    expect(batch.status).toBe(202);
    expect((await alice.request("GET", `/v1/batches/${batch.body.id}`)).status).toBe(200);

    const list = await eventually(
      () => alice.request<RecordPageView>("GET", "/v1/pipelines"),
      (res) => res.body.items.length >= 3,
    );
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(3);
    // DELETE reaches submit (a 404 would name the status endpoint): the record is no longer pending.
    const cancel = await alice.request<RecordView>("DELETE", `/v1/pipelines/${accepted.body.id}`);
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ code: "IncorrectRecordStatus" });
  });

  it.each([
    ["a path no route takes", "GET", "/v2/pipelines"],
    ["a method no route of the path lists", "PUT", "/v1/pipelines"],
    ["a method the console's page does not take", "POST", "/"],
  ])("answers %s with the platform's 404, before any function", async (_what, method, target) => {
    const res = await fetch(`${e2e.stack.url}${target}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-fc-request-id")).toBeNull();
    expect(await res.json()).toMatchObject({ type: "about:blank", code: "NotFound" });
  });

  it("serves the web console's page from the status function on the same host", async () => {
    const res = await fetch(`${e2e.stack.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  });
});
