/**
 * `npm run batch -- FILE [--url URL] [--token JWT] [--interval SECONDS] [--idempotency-key KEY] [--dry-run]`
 *
 * Submits a batch of CreateImagePipeline requests from a JSON or YAML file (`{ items: [...] }` or a
 * bare list) to a running service, shows progress until every item is terminal, then prints one
 * line per item. Exit code: 0 when every item succeeded, 1 when any failed or was cancelled, 2 when
 * the batch was refused (the violations are printed with their pointers).
 *
 * `--dry-run` sends the file to POST /v1/batches:validate instead: the service checks it as it would
 * a submission and stores nothing; one line per item as it would be sent, then any warnings. Exit
 * code 0 when the batch is valid, 2 when it would be refused.
 *
 * The Idempotency-Key defaults to a hash of the file, so running the same file twice follows the
 * first batch instead of creating a second one. The token comes from --token, then the
 * IMAGE_PIPELINES_TOKEN variable, then, for a service on this machine only, a dev token signed with
 * the local stack's key (local/jwt, the key file under DATA_DIR or .local, as `npm run dev-token`).
 * The URL defaults to IMAGE_PIPELINES_URL, then the local stack's http://127.0.0.1:9000.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { DEFAULT_DEV_SCOPE, loadJwtIssuer } from "../local/jwt";
import { RECORD_STATUSES } from "../shared/domain/record";
import type {
  BatchAcceptedView,
  BatchValidatedView,
  BatchView,
  ProblemView,
  RecordView,
} from "../shared/http/views";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A 200 or 202 body, or a problem when the status says so: the fields are read after the status. */
type OrProblem<T> = T & Partial<ProblemView>;

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run batch -- FILE [--url URL] [--token JWT] [--interval SECONDS] [--idempotency-key KEY] [--dry-run]`,
  );
  process.exit(2);
}

async function loadItems(file: string): Promise<{ body: { items: unknown[] }; text: string }> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) =>
    usage(`cannot read ${file}: ${err.code ?? err.message}`),
  );
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    usage(`${file} is not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(err as Error).message}`);
  }
  const items = Array.isArray(parsed) ? parsed : (parsed as { items?: unknown })?.items;
  if (!Array.isArray(items)) usage(`${file} must hold a list of requests, or { "items": [ ... ] }`);
  return { body: { items }, text };
}

/** A dev token for a service on this machine; a remote service would never accept the local key. */
async function localDevToken(base: string): Promise<string | undefined> {
  if (!["127.0.0.1", "localhost", "[::1]"].includes(new URL(base).hostname)) return undefined;
  const issuer = await loadJwtIssuer(path.resolve(root, process.env.DATA_DIR?.trim() || ".local"));
  return issuer.issue({ sub: process.env.USER?.trim() || "batch-cli", scope: DEFAULT_DEV_SCOPE });
}

async function call<T>(
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { title: text };
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

async function readBatch(base: string, id: string, headers: Record<string, string>): Promise<BatchView> {
  const first = await call<OrProblem<BatchView>>(`${base}/v1/batches/${id}?limit=100`, { headers });
  if (first.status !== 200)
    throw new Error(`GET /v1/batches/${id} answered ${first.status}: ${first.body.title ?? ""}`);
  const view = { ...first.body, items: [...first.body.items] };
  let cursor = first.body.nextCursor;
  while (cursor) {
    const page = await call<BatchView>(
      `${base}/v1/batches/${id}?limit=100&cursor=${encodeURIComponent(cursor)}`,
      { headers },
    );
    if (page.status !== 200) throw new Error(`GET /v1/batches/${id} answered ${page.status}`);
    view.items.push(...page.body.items);
    cursor = page.body.nextCursor;
  }
  return view;
}

function table(items: RecordView[]): string {
  const rows = items.map((item, index) => [
    String(index),
    item.accountId,
    item.regionId,
    item.status,
    item.imagePipelineId ?? (item.error ? `${item.error.code}: ${item.error.message}` : ""),
  ]);
  const header = ["#", "account", "region", "status", "pipeline / error"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 4 ? 0 : r[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 4 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

function parseOptions() {
  return parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string", default: process.env.IMAGE_PIPELINES_URL ?? "http://127.0.0.1:9000" },
      token: { type: "string" },
      interval: { type: "string", default: "2" },
      "idempotency-key": { type: "string" },
      "dry-run": { type: "boolean", default: false },
    },
  });
}

/** Prints a refusal with every violation and exits: 2 for the body's fault, 1 for anything else. */
function refused(status: number, problem: Partial<ProblemView>, what: string): never {
  console.error(`The batch ${what} (${status}): ${problem.title ?? ""} ${problem.detail ?? ""}`);
  for (const e of problem.errors ?? [])
    console.error(`  ${"pointer" in e ? e.pointer : e.parameter}  ${e.code}  ${e.detail}`);
  process.exit(status === 400 || status === 422 ? 2 : 1);
}

/** --dry-run: POST /v1/batches:validate, print each item as it would be sent, and exit. */
async function dryRun(
  base: string,
  headers: Record<string, string>,
  body: { items: unknown[] },
): Promise<never> {
  const checked = await call<OrProblem<BatchValidatedView>>(`${base}/v1/batches:validate`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  if (checked.status !== 200) refused(checked.status, checked.body, "would be refused");
  const rows = checked.body.items.map((item, index) =>
    [String(index), item.accountId, item.regionId, String(item.request.Name ?? "")].join("  "),
  );
  console.log(["#  account  region  name", ...rows].join("\n"));
  for (const w of checked.body.warnings ?? []) console.log(`  warning ${w.pointer}  ${w.code}  ${w.detail}`);
  console.log(`${checked.body.total} items are valid; nothing was submitted (--dry-run)`);
  process.exit(0);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions();
  } catch (err) {
    usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const file = positionals[0];
  if (!file) usage("which file?");
  const interval = Number(values.interval);
  if (!(interval > 0)) usage("--interval must be a positive number of seconds");
  const base = values.url.replace(/\/+$/, "");
  if (!URL.canParse(base)) usage(`--url ${values.url} is not a URL`);
  const { body, text } = await loadItems(file);
  const token = values.token ?? process.env.IMAGE_PIPELINES_TOKEN ?? (await localDevToken(base));
  if (!token)
    usage("no token: pass --token or set IMAGE_PIPELINES_TOKEN (a dev token is made only for a local URL)");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const idempotencyKey =
    values["idempotency-key"] ?? `batch-${createHash("sha256").update(text).digest("hex").slice(0, 40)}`;

  if (values["dry-run"]) await dryRun(base, headers, body);
  const submitted = await call<OrProblem<BatchAcceptedView>>(`${base}/v1/batches`, {
    method: "POST",
    headers: { ...headers, "idempotency-key": idempotencyKey },
    body: JSON.stringify(body),
  });
  if (submitted.status !== 202) refused(submitted.status, submitted.body, "was refused");
  const batchId = submitted.body.id;
  console.log(`batch ${batchId}: ${body.items.length} items accepted (Idempotency-Key ${idempotencyKey})`);

  let view = await readBatch(base, batchId, headers);
  let shown = "";
  while (!view.done) {
    const counts = RECORD_STATUSES.map((s) => `${s} ${view.counts[s] ?? 0}`).join(", ");
    // One line per change, so a long wait does not flood the terminal.
    if (counts !== shown) console.log(`  ${counts}`);
    shown = counts;
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    view = await readBatch(base, batchId, headers);
  }
  console.log(table(view.items));
  const succeeded = view.items.filter((i) => i.status === "succeeded").length;
  const failed = view.items.filter((i) => TERMINAL.has(i.status) && i.status !== "succeeded").length;
  console.log(`${view.total} items: ${succeeded} succeeded, ${failed} failed or cancelled`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`batch: ${(err as Error).message}`);
  process.exit(1);
});
