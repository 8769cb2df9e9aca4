/**
 * `npm run screenshots`: pictures of the web console's main views for docs/console.md and the
 * README, taken from a local stack with real data. It builds the bundles into a temporary folder,
 * starts a stack on a free port, submits through the API what a batch tool would (a batch over
 * three accounts and regions with some items in an account that has no role, some ECS calls
 * throttled first, single requests, one kept pending), signs in with the dev-token button, and
 * saves docs/console/{records,batch,record,batch-phone}.png. Not a test: it asserts nothing.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { LOCAL_SERVICE_ACCOUNT_ID, LOCAL_TRUSTING_ACCOUNT_IDS } from "../local/identities";
import { type RunningStack, startStack } from "../local/stack";
import type { BatchAcceptedView, BatchView } from "../shared/http/views";
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

async function seed(stack: RunningStack): Promise<{ batchId: string; failedId: string }> {
  const token = await stack.control.issueToken({ sub: USER });
  const accounts = [LOCAL_SERVICE_ACCOUNT_ID, ...LOCAL_TRUSTING_ACCOUNT_IDS];
  const items = Array.from({ length: 24 }, (_, i) =>
    request(`web-base-${String(i + 1).padStart(2, "0")}`, {
      RegionId: REGIONS[i % REGIONS.length],
      AccountId: i % 8 === 5 ? NO_ROLE_ACCOUNT : accounts[i % accounts.length],
    }),
  );
  // Some calls are throttled first, so records show more than one attempt.
  stack.control.ecs.forceNext("throttle", 4);
  const batch = await call<BatchAcceptedView>(stack, token, "POST", "/v1/batches", { items });
  for (const name of ["api-gateway-base", "batch-runner-base"])
    await call(stack, token, "POST", "/v1/pipelines", request(name));
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
  return { batchId: batch.id, failedId: view.items[0]?.id ?? "" };
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel("User (the token's subject)").fill(USER);
  await page.getByRole("button", { name: "Get a dev token" }).click();
  await page.getByText(`Signed in as ${USER}`).waitFor();
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
    const { batchId, failedId } = await seed(stack);
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
    if (laptop.errors.length > 0) console.error(`console errors: ${laptop.errors.join("\n")}`);
    await laptop.close();

    const phone = await launchConsoleBrowser({ viewport: { width: 390, height: 844 } });
    const small = await phone.newPage();
    await signIn(small, stack.url);
    await small.goto(`${stack.url}/#/batches/${batchId}`);
    await small.locator("section.batch[data-done=true]").waitFor();
    await small.screenshot({ path: path.join(OUT, "batch-phone.png") });
    await phone.close();
    console.log(
      `screenshots in ${path.relative(root, OUT)}/: records.png, batch.png, record.png, batch-phone.png`,
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
