/**
 * The web console in a real browser (docs/console.md): headless Chromium (scripts/console-browser.ts)
 * against the local stack running the built bundles. It signs in both ways, watches a labelled batch
 * with failing items reach `done`, opens a failed item and reads its attempt history, reads the
 * history of a record that ECS throttled first, cancels a pending record, filters the list (status,
 * account, label), checks requests through POST /v1/pipelines:validate, and fails on any console
 * error, page error or CSP violation. Items fail through an account the service has no role in
 * (STS NoPermission); ECS faults are forced onto the next calls through the stack's control; a
 * record stays pending while the queue trigger is paused.
 */
import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleBrowser, launchConsoleBrowser } from "../../scripts/console-browser";
import type { RecordDetailView } from "../../shared/http/views";
import {
  type BatchAcceptedView,
  Caller,
  type E2eStack,
  eventually,
  type RecordPageView,
  startE2eStack,
  validRequest,
} from "./harness";

/** The local STS simulator knows no such account: its items fail with NoPermission. */
const NO_ROLE_ACCOUNT = "1000000000000009";
const USER = "console-e2e";
/** The batch's label (every item inherits it) and the one the failing items add. */
const RELEASE = { release: "2026-12" };
const ENV_PROD = { env: "prod" };
/** An ECS or STS RequestId as the simulators give them. */
const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

let e2e: E2eStack;
let browser: ConsoleBrowser;
let api: Caller;

beforeAll(async () => {
  e2e = await startE2eStack({ reconcileIntervalMs: 10 * 60_000 });
  browser = await launchConsoleBrowser();
  api = new Caller(e2e.stack, USER);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await e2e?.close();
});

describe("the console's files", () => {
  it("are served by the status function with a strict CSP, nosniff and cache headers", async () => {
    const page = await fetch(`${e2e.stack.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = page.headers.get("content-security-policy") ?? "";
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ])
      expect(csp).toContain(directive);
    const html = await page.text();
    const script = /src="(\/console\/main-[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${e2e.stack.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-security-policy")).toBe(csp);

    for (const missing of [
      "/console/nothing-here.js",
      "/console/%2e%2e%2fbundle.js",
      "/console/..%2Fpackage.json",
    ]) {
      const res = await fetch(`${e2e.stack.url}${missing}`);
      expect(res.status, missing).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const redirect = await fetch(`${e2e.stack.url}/console/`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/");
  });

  it("the local stack issues a dev token the API accepts; a bad request for one is refused", async () => {
    const res = await fetch(`${e2e.stack.url}/_local/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: "dev-token-check", scope: "pipelines:read" }),
    });
    expect(res.status).toBe(200);
    const { token, scope } = (await res.json()) as { token: string; scope: string };
    expect(scope).toBe("pipelines:read");
    const list = await fetch(`${e2e.stack.url}/v1/pipelines`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(200);
    const bad = await fetch(`${e2e.stack.url}/_local/dev-token`, {
      method: "POST",
      body: JSON.stringify({ scope: "everything" }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("the console in Chromium", () => {
  it("signs in with a pasted token, signs out, and signs in with the dev-token button", async () => {
    const page = await browser.newPage();
    await page.goto(`${e2e.stack.url}/`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Sign in");
    await page.getByLabel("Bearer token (JWT)").fill("not a token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("This is not a JWT").waitFor();

    const token = await e2e.stack.control.issueToken({ sub: USER, scope: "pipelines:read" });
    await page.getByLabel("Bearer token (JWT)").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`Signed in as ${USER}`).waitFor();
    await page.locator("h1:focus", { hasText: "Your records" }).waitFor();
    expect(await page.evaluate("document.cookie")).toBe("");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("User (the token's subject)").fill(USER);
    await page.getByRole("button", { name: "Get a dev token" }).click();
    await page.getByText(`Signed in as ${USER}`).waitFor();
    await expect(page.locator(".scopes").textContent()).resolves.toContain("pipelines:write");
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it("watches a batch reach done, groups its failures by code, and opens a failed item", async () => {
    const items = [
      ...["a", "b", "c", "d", "e"].map((n) => validRequest(`console-batch-${n}`)),
      validRequest("console-no-role-1", { AccountId: NO_ROLE_ACCOUNT, labels: ENV_PROD }),
      validRequest("console-no-role-2", {
        AccountId: NO_ROLE_ACCOUNT,
        RegionId: "cn-shanghai",
        labels: ENV_PROD,
      }),
    ];
    const page = await signedInPage();
    const accepted = await api.request<BatchAcceptedView>("POST", "/v1/batches", {
      body: { items, labels: RELEASE },
    });
    expect(accepted.status).toBe(202);
    await page.goto(`${e2e.stack.url}/#/batches/${accepted.body.id}`);
    await page.locator("section.batch[data-done=true]").waitFor({ timeout: 60_000 });

    await expect(page.locator("#batch-summary").textContent()).resolves.toBe(
      "Done: 7 of 7 finished (5 succeeded, 2 failed).",
    );
    await expect(page.locator("#batch-summary").getAttribute("aria-live")).resolves.toBe("polite");
    await expect(page.locator("progress").getAttribute("value")).resolves.toBe("7");
    await expect(page.locator("progress").getAttribute("max")).resolves.toBe("7");
    await expect(page.locator('.counts [data-status="succeeded"] .count').textContent()).resolves.toBe("5");
    await expect(page.locator('.counts [data-status="failed"] .count').textContent()).resolves.toBe("2");
    const group = page.locator('.failures > li[data-code="NoPermission"]');
    await expect(group.locator("h3").textContent()).resolves.toBe("NoPermission — 2 items");
    await expect(page.locator(".failures > li").count()).resolves.toBe(1);

    await group.getByRole("link").first().click();
    await page.locator("section.record[data-status=failed]").waitFor();
    await expect(page.locator(".error-code").textContent()).resolves.toBe("NoPermission");
    await page.locator("h1:focus").waitFor();
    // Its labels: the batch's, and its own.
    await expect(page.locator(".details .labels li").allTextContents()).resolves.toEqual([
      "env:prod",
      "release:2026-12",
    ]);
    // Its history: one attempt, STS's refusal before any ECS call, with STS's RequestId.
    const history = page.getByRole("table", { name: "1 attempt, oldest first" });
    const rows = history.locator("tbody tr");
    await expect(rows.count()).resolves.toBe(1);
    await expect(cellsOf(rows.first())).resolves.toMatchObject({
      "#": "1",
      Outcome: "failed-permanent",
      Code: "NoPermission (STS)",
    });
    const stsRequestId = (await cellsOf(rows.first()))["RequestId (ECS or STS)"];
    expect(stsRequestId).toMatch(REQUEST_ID);
    const detail = await api.request<RecordDetailView>(
      "GET",
      page.url().replace(/^.*#\/records\//, "/v1/pipelines/"),
    );
    expect(detail.body.attemptHistory[0]?.requestId).toBe(stsRequestId);
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 90_000);

  it("shows each attempt of a record ECS throttled and then answered with a 503", async () => {
    e2e.stack.control.ecs.forceNext("throttle", 1);
    e2e.stack.control.ecs.forceNext("serverError", 1);
    const submitted = await api.submit(validRequest("console-retried", { labels: { ticket: "CHG-1042" } }));
    expect(submitted.status).toBe(202);
    const [finished] = await api.waitForTerminal([submitted.body.id], 60_000);
    expect(finished?.status).toBe("succeeded");
    const page = await signedInPage();
    await page.goto(`${e2e.stack.url}/#/records/${submitted.body.id}`);
    await page.locator("section.record[data-status=succeeded]").waitFor();
    const rows = page.getByRole("table", { name: "3 attempts, oldest first" }).locator("tbody tr");
    await expect(rows.count()).resolves.toBe(3);
    const cells = await Promise.all([0, 1, 2].map((i) => cellsOf(rows.nth(i))));
    expect(cells.map((c) => [c["#"], c.Outcome, c.Code])).toEqual([
      ["1", "throttled", "Throttling.User"],
      ["2", "outcome-unknown", "ServiceUnavailable"],
      ["3", "succeeded", "—"],
    ]);
    for (const row of cells) {
      expect(row["RequestId (ECS or STS)"]).toMatch(REQUEST_ID);
      expect(row.Duration).toMatch(/^\d+ ms$/);
      expect(row.Started).not.toBe("—");
    }
    expect(new Set(cells.map((c) => c["RequestId (ECS or STS)"])).size).toBe(3);
    // The history's header cells name the columns for assistive technology.
    await expect(page.locator("table.attempts th[scope=col]").allTextContents()).resolves.toEqual([
      "#",
      "Started",
      "Outcome",
      "Code",
      "Message",
      "RequestId (ECS or STS)",
      "Duration",
    ]);
    await expect(page.locator(".details .labels li").allTextContents()).resolves.toEqual(["ticket:CHG-1042"]);
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 90_000);

  it("cancels a pending record with the keyboard", async () => {
    await e2e.stack.control.pauseTrigger();
    try {
      const submitted = await api.submit(validRequest("console-cancel-me"));
      expect(submitted.status).toBe(202);
      const id = submitted.body.id;
      const page = await signedInPage();
      await page.goto(`${e2e.stack.url}/#/records/${id}`);
      await page.locator("section.record[data-status=pending]").waitFor();
      await page.getByRole("button", { name: "Cancel request" }).focus();
      await page.keyboard.press("Enter");
      // The confirming button takes the focus; Enter on it cancels.
      await page.locator("button:focus", { hasText: "Yes, cancel this request" }).waitFor();
      await page.keyboard.press("Enter");
      await page.locator("section.record[data-status=cancelled]").waitFor({ timeout: 20_000 });
      expect((await api.get(id)).body.status).toBe("cancelled");
      await page.close();
    } finally {
      e2e.stack.control.resumeTrigger();
    }
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it("filters the list by status, account and label, and a label links to its filter", async () => {
    // The list's index lags writes (docs/http-api.md): wait until the API lists what the batch test
    // wrote, so what the console shows next is the service's answer, not the lag.
    const noRole = await eventually(
      () => api.request<RecordPageView>("GET", `/v1/pipelines?accountId=${NO_ROLE_ACCOUNT}`),
      (answer) => answer.body.items.length === 2,
    );
    expect(noRole.body.items).toHaveLength(2);

    const page = await signedInPage();
    await page.getByLabel("Status").selectOption("failed");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.locator("table.records").waitFor();
    expect(page.url()).toContain("#/?status=failed");
    const badges = await page.locator("table.records tbody .badge").allTextContents();
    expect(badges).toEqual(["failed", "failed"]);

    await page.goto(`${e2e.stack.url}/#/`);
    await page.locator("table.records").waitFor();
    await page.getByLabel("Account id").fill(NO_ROLE_ACCOUNT);
    const sent = page.waitForRequest((r) => r.url().includes("accountId="));
    await page.getByRole("button", { name: "Apply filters" }).click();
    expect(new URL((await sent).url()).searchParams.get("accountId")).toBe(NO_ROLE_ACCOUNT);
    expect((await (await sent).response())?.status()).toBe(200);
    await page.locator("table.records caption", { hasText: "2 records" }).waitFor();
    const accounts = await page.locator('table.records td[data-label="Account"]').allTextContents();
    expect(accounts).toEqual([NO_ROLE_ACCOUNT, NO_ROLE_ACCOUNT]);
    await expect(page.getByLabel("Account id").getAttribute("aria-invalid")).resolves.toBeNull();

    // Typed into the label field: only the two records labelled env:prod, with their labels shown.
    await page.goto(`${e2e.stack.url}/#/`);
    await page.locator("table.records").waitFor();
    await page.getByLabel("Label").fill("env:prod");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.locator("table.records caption", { hasText: "2 records" }).waitFor();
    expect(page.url()).toContain("#/?label=env%3Aprod");
    const names = await page.locator('table.records td[data-label="Name"]').allTextContents();
    expect(names.sort()).toEqual(["console-no-role-1", "console-no-role-2"]);
    for (const labels of await page.locator('table.records td[data-label="Labels"]').allTextContents())
      expect(labels).toBe("env:prodrelease:2026-12");

    // A label chip is a link to the list filtered by it: release:2026-12 is on all 7 batch items.
    await page
      .locator('table.records td[data-label="Labels"] a', { hasText: "release:2026-12" })
      .first()
      .click();
    await page.locator("table.records caption", { hasText: "7 records" }).waitFor();
    await expect(page.getByLabel("Label").inputValue()).resolves.toBe("release:2026-12");

    // A bad label filter: the service names the parameter and the console marks that field.
    await page.getByLabel("Label").fill("no-colon");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("alert").waitFor();
    await expect(page.getByLabel("Label").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.locator("#filter-label-error").textContent()).resolves.not.toBe("");
    await expect(page.getByRole("alert").textContent()).resolves.toContain("label");
    expectOneRefusedFetch(400);
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it("checks a request: valid with the request as it would be sent, or the faults listed", async () => {
    const page = await signedInPage();
    await page.getByRole("link", { name: "Check a request" }).click();
    await page.locator("h1:focus", { hasText: "Check a request" }).waitFor();
    const field = page.getByLabel("Request (JSON, the body of POST /v1/pipelines)");
    await field.fill(
      JSON.stringify(
        validRequest("console-check", {
          AccountId: NO_ROLE_ACCOUNT,
          ImageName: "console-check-image",
          labels: { ticket: "CHG-7" },
        }),
      ),
    );
    // The console asks the validate route, never the submit one: nothing is stored.
    const asked = page.waitForRequest((r) => r.url().endsWith("/v1/pipelines:validate"));
    await page.getByRole("button", { name: "Check" }).click();
    const valid = page.locator('.check-result[data-valid="true"]');
    await valid.waitFor();
    expect((await asked).method()).toBe("POST");
    await expect(valid.locator("h2").textContent()).resolves.toBe("Valid");
    const sent = JSON.parse((await valid.locator("pre.request").textContent()) ?? "") as Record<
      string,
      unknown
    >;
    expect(sent).not.toHaveProperty("AccountId");
    expect(sent).not.toHaveProperty("ImageName");
    expect(sent).toMatchObject({ Name: "console-check", ImageOptions: { ImageName: "console-check-image" } });
    await expect(valid.locator(".details").textContent()).resolves.toContain(NO_ROLE_ACCOUNT);
    await expect(valid.locator(".labels li").allTextContents()).resolves.toEqual(["ticket:CHG-7"]);
    // The deprecated name is a warning, listed with its pointer.
    await expect(valid.locator('table.faults td[data-label="Pointer"]').allTextContents()).resolves.toContain(
      "#/ImageName",
    );
    await expect(field.getAttribute("aria-invalid")).resolves.toBeNull();

    await field.fill(
      JSON.stringify(validRequest("console-check-bad", { SystemDiskSize: 10, labels: { Ticket: "x" } })),
    );
    await page.getByRole("button", { name: "Check" }).click();
    const invalid = page.locator('.check-result[data-valid="false"]');
    await invalid.waitFor();
    await expect(invalid.locator("h2").textContent()).resolves.toBe("Not valid");
    const faults = await invalid
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].map((td) => td.textContent)));
    expect(faults).toEqual(
      expect.arrayContaining([
        ["#/SystemDiskSize", expect.any(String), expect.any(String)],
        ["#/labels/Ticket", "InvalidParameter.labels.Key", expect.stringContaining("label key")],
      ]),
    );
    await expect(field.getAttribute("aria-invalid")).resolves.toBe("true");
    expectOneRefusedFetch(400);

    await page.close();
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it("tells a read-only caller that checking takes the write scope", async () => {
    const page = await browser.newPage();
    await page.goto(`${e2e.stack.url}/`);
    const token = await e2e.stack.control.issueToken({ sub: USER, scope: "pipelines:read" });
    await page.getByLabel("Bearer token (JWT)").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`Signed in as ${USER}`).waitFor();
    await page.goto(`${e2e.stack.url}/#/check`);
    await page.getByText("Checking a request takes the pipelines:write scope").waitFor();
    await expect(page.getByRole("button", { name: "Check" }).count()).resolves.toBe(0);
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 30_000);
});

describe("the console on a phone-sized screen", () => {
  it("fits the batch, record, list and check views in 390 px without sideways scrolling", async () => {
    const page = await signedInPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const failed = await api.request<{ items: { id: string; batchId: string | null }[] }>(
      "GET",
      "/v1/pipelines?status=failed&limit=1",
    );
    const record = failed.body.items[0];
    expect(record?.batchId).toBeTruthy();
    const views: [string, string][] = [
      [`#/batches/${record?.batchId}`, "section.batch[data-done=true]"],
      [`#/records/${record?.id}`, "section.record[data-status=failed]"],
      ["#/", "table.records"],
      ["#/check", "textarea#check-body"],
    ];
    for (const [hash, ready] of views) {
      await page.goto(`${e2e.stack.url}/${hash}`);
      await page.locator(ready).waitFor();
      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect(overflow, hash).toBe(0);
    }
    await page.close();
    expect(browser.errors).toEqual([]);
  }, 60_000);
});

/** A table row's cells by their column (`data-label`), as text. */
async function cellsOf(row: Locator): Promise<Record<string, string>> {
  const pairs = await row
    .locator("td")
    .evaluateAll((cells) => cells.map((td) => [td.getAttribute("data-label") ?? "", td.textContent ?? ""]));
  return Object.fromEntries(pairs);
}

/**
 * Chromium logs a fetch the service refused as a console error itself; a test that expects one
 * refusal takes exactly that one line out, so any other error still fails the test.
 */
function expectOneRefusedFetch(status: number): void {
  const refused = browser.errors.filter((e) => e.includes(`status of ${status}`));
  expect(refused).toHaveLength(1);
  browser.errors.splice(browser.errors.indexOf(refused[0] ?? ""), 1);
}

/** A tab signed in as {@link USER} with write scope, on the records list. */
async function signedInPage() {
  const page = await browser.newPage();
  await page.goto(`${e2e.stack.url}/`);
  await page.getByLabel("User (the token's subject)").fill(USER);
  await page.getByRole("button", { name: "Get a dev token" }).click();
  await page.getByText(`Signed in as ${USER}`).waitFor();
  return page;
}
