/**
 * `npm run screenshots`: pictures of the web console's main views for docs/console.md and the
 * README, taken from a local stack with real data. It builds the bundles into a temporary folder,
 * starts a stack on a free port, submits through the API what a batch tool would (a labelled batch
 * over three accounts and regions with some items in an account that has no role, some ECS calls
 * throttled first; single requests, one of them throttled twice and answered 503 once before it
 * succeeds; one kept pending), signs in with the dev-token button, and saves
 * docs/console/{records,batch,record,record-history,check,check-invalid,batch-phone}.png.
 * Not a test: it asserts nothing.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../local/identities";
import { type RunningStack, startStack } from "../local/stack";
import type { AcceptedView, BatchAcceptedView, BatchView, RecordView } from "../shared/http/views";
import { buildFunctions } from "./build";
import { launchConsoleBrowser } from "./console-browser";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(root, "docs", "console");
const USER = "release-bot";
/** The local STS simulator knows no such account: its items fail with NoPermission. */
const NO_ROLE_ACCOUNT = "1000000000000009";
const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];

function request(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RegionId: "cn-hangzhou",
    BaseImageType: "IMAGE",
    BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
    Name: name,
    BuildContent: "RUN yum install -y nginx\nRUN systemctl enable nginx",
    SystemDiskSize: 40,
    ImageOptions: { ImageName: name, ImageTags: [{ Key: "team", Value: "web" }] },
    ...extra,
  };
}

async function call<T>(stack: RunningStack, token: string, method: string, target: string, body?: unknown) {
  const res = await fetch(`${stack.url}${target}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${target}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Seeded {
  batchId: string;
  failedId: string;
  retriedId: string;
}

/** Waits (bounded) until a record is no longer pending or running. */
async function settled(stack: RunningStack, token: string, id: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let status = "pending";
  while ((status === "pending" || status === "running") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    status = (await call<RecordView>(stack, token, "GET", `/v1/pipelines/${id}`)).status;
  }
}

async function seed(stack: RunningStack): Promise<Seeded> {
  const token = await stack.control.issueToken({ sub: USER });
  // A record with a history worth reading: throttled twice, a 503, then the pipeline.
  stack.control.ecs.forceNext("throttle", 2);
  stack.control.ecs.forceNext("serverError", 1);
  const retried = await call<AcceptedView>(
    stack,
    token,
    "POST",
    "/v1/pipelines",
    request("api-gateway-base", { labels: { ticket: "CHG-1042", env: "prod" } }),
  );
  await settled(stack, token, retried.id);
  const accounts = [LOCAL_SERVICE_ACCOUNT_ID, ...LOCAL_TRUSTING_ACCOUNT_IDS];
  const items = Array.from({ length: 24 }, (_, i) =>
    request(`web-base-${String(i + 1).padStart(2, "0")}`, {
      RegionId: REGIONS[i % REGIONS.length],
      AccountId: i % 8 === 5 ? NO_ROLE_ACCOUNT : accounts[i % accounts.length],
      ...(i % 3 === 0 ? { labels: { env: "staging" } } : {}),
    }),
  );
  // Some calls are throttled first, so records show more than one attempt.
  stack.control.ecs.forceNext("throttle", 4);
  const batch = await call<BatchAcceptedView>(stack, token, "POST", "/v1/batches", {
    items,
    labels: { release: "2026-12", team: "web" },
  });
  await call(
    stack,
    token,
    "POST",
    "/v1/pipelines",
    request("batch-runner-base", { labels: { ticket: "CHG-1051" } }),
  );
  const deadline = Date.now() + 120_000;
  let view: BatchView;
  do {
    await new Promise((r) => setTimeout(r, 500));
    view = await call<BatchView>(stack, token, "GET", `/v1/batches/${batch.id}?status=failed`);
  } while (!view.done && Date.now() < deadline);
  await stack.control.pauseTrigger();
  await call(
    stack,
    token,
    "POST",
    "/v1/pipelines",
    request("waiting-for-approval", { RegionId: "cn-beijing" }),
  );
  return { batchId: batch.id, failedId: view.items[0]?.id ?? "", retriedId: retried.id };
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel("User (the token's subject)").fill(USER);
  await page.getByRole("button", { name: "Get a dev token" }).click();
  await page.getByText(`Signed in as ${USER}`).waitFor();
}

/** The check view with a valid request (a deprecated name moved, a warning) and a faulty one. */
async function checkScreens(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/#/check`);
  const field = page.locator("#check-body");
  const valid = request("web-base-25", {
    AccountId: LOCAL_TRUSTING_ACCOUNT_IDS[0],
    ImageFamily: "web-base",
    labels: { ticket: "CHG-1060" },
  });
  await field.fill(JSON.stringify(valid, null, 2));
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator('.check-result[data-valid="true"]').waitFor();
  await page.screenshot({ path: path.join(OUT, "check.png"), fullPage: true });
  const faulty = request("web-base-26", {
    SystemDiskSize: 10,
    ToRegionId: ["cn-hangzhou", "cn-hangzhou"],
    labels: { Ticket: "CHG-1060" },
  });
  await field.fill(JSON.stringify(faulty, null, 2));
  await page.getByRole("button", { name: "Check" }).click();
  await page.locator('.check-result[data-valid="false"]').waitFor();
  await page.screenshot({ path: path.join(OUT, "check-invalid.png"), fullPage: true });
}

async function main(): Promise<void> {
  const dist = await mkdtemp(path.join(tmpdir(), "console-screens-dist-"));
  await buildFunctions(dist);
  const stack = await startStack({
    distDir: dist,
    port: 0,
    batchWindowMs: 100,
    retryDelayScale: 0.05,
    indexLagMs: 0,
  });
  try {
    const { batchId, failedId, retriedId } = await seed(stack);
    await mkdir(OUT, { recursive: true });
    const laptop = await launchConsoleBrowser({ viewport: { width: 1280, height: 860 } });
    const page = await laptop.newPage();
    await signIn(page, stack.url);
    await page.locator("table.records").waitFor();
    await page.screenshot({ path: path.join(OUT, "records.png") });
    await page.goto(`${stack.url}/#/batches/${batchId}`);
    await page.locator("section.batch[data-done=true] table.records").waitFor();
    await page.screenshot({ path: path.join(OUT, "batch.png"), fullPage: true });
    await page.goto(`${stack.url}/#/records/${failedId}`);
    await page.locator("section.record[data-status=failed]").waitFor();
    await page.screenshot({ path: path.join(OUT, "record.png"), fullPage: true });
    await page.goto(`${stack.url}/#/records/${retriedId}`);
    await page.locator("section.record[data-status=succeeded] table.attempts").waitFor();
    await page.screenshot({ path: path.join(OUT, "record-history.png"), fullPage: true });
    await checkScreens(page, stack.url);
    // The faulty check is refused with a 400, which Chromium logs itself; anything else is reported.
    const unexpected = laptop.errors.filter((e) => !e.includes("status of 400"));
    if (unexpected.length > 0) console.error(`console errors: ${unexpected.join("\n")}`);
    await laptop.close();

    const phone = await launchConsoleBrowser({ viewport: { width: 390, height: 844 } });
    const small = await phone.newPage();
    await signIn(small, stack.url);
    await small.goto(`${stack.url}/#/batches/${batchId}`);
    await small.locator("section.batch[data-done=true]").waitFor();
    await small.screenshot({ path: path.join(OUT, "batch-phone.png") });
    await phone.close();
    console.log(
      `screenshots in ${path.relative(root, OUT)}/: records.png, batch.png, record.png, record-history.png, check.png, check-invalid.png, batch-phone.png`,
    );
  } finally {
    await stack.stop();
    await rm(dist, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
