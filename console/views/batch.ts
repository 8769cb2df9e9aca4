/**
 * A batch (GET /v1/batches/{id}): its counts per state, read again while it is unfinished (the
 * service's Retry-After), a progress bar, the failures grouped by error code with their messages,
 * and its items page by page. The counts' sentence is a polite live region: a screen reader hears
 * it when it changes, not on every poll.
 */

import type { BatchView, RecordView } from "../../shared/http/views";
import { queryOf } from "../api";
import type { View, ViewContext } from "../context";
import { h, replace, setText } from "../dom";
import { problemBox, recordLink, STATUSES } from "../format";
import { poll } from "../poller";
import { recordsTable } from "./records";

/** A batch holds at most 500 items: 5 pages of 100 read every failure. */
const FAILURE_PAGES = 5;
const PAGE_SIZE = 100;
const LINKS_PER_CODE = 20;

type Counts = BatchView["counts"];

export function summaryOf(batch: Pick<BatchView, "total" | "counts" | "done">): string {
  const finished = batch.counts.succeeded + batch.counts.failed + batch.counts.cancelled;
  const parts = STATUSES.filter((s) => batch.counts[s] > 0).map((s) => `${batch.counts[s]} ${s}`);
  return `${batch.done ? "Done" : "In progress"}: ${finished} of ${batch.total} finished (${parts.join(", ") || "none yet"}).`;
}

interface FailureGroup {
  code: string;
  records: RecordView[];
  messages: Map<string, number>;
}

export function groupFailures(records: RecordView[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const record of records) {
    const code = record.error?.code ?? "(no code)";
    const group = groups.get(code) ?? { code, records: [], messages: new Map<string, number>() };
    group.records.push(record);
    const message = record.error?.message ?? "";
    group.messages.set(message, (group.messages.get(message) ?? 0) + 1);
    groups.set(code, group);
  }
  return [...groups.values()].sort(
    (a, b) => b.records.length - a.records.length || a.code.localeCompare(b.code),
  );
}

function failureList(groups: FailureGroup[]): HTMLElement {
  if (groups.length === 0) return h("p", { class: "empty" }, "No failures.");
  return h(
    "ul",
    { class: "failures" },
    groups.map((group) =>
      h(
        "li",
        { "data-code": group.code },
        h(
          "h3",
          {},
          h("code", {}, group.code),
          ` — ${group.records.length} ${group.records.length === 1 ? "item" : "items"}`,
        ),
        h(
          "ul",
          { class: "messages" },
          [...group.messages].map(([message, n]) =>
            h("li", {}, message || "(no message)", n > 1 ? ` (${n}×)` : ""),
          ),
        ),
        h(
          "p",
          { class: "links" },
          "Items: ",
          group.records.slice(0, LINKS_PER_CODE).flatMap((r, i) => [i > 0 ? ", " : "", recordLink(r.id)]),
          group.records.length > LINKS_PER_CODE ? ` and ${group.records.length - LINKS_PER_CODE} more` : "",
        ),
      ),
    ),
  );
}

function countList(counts: Counts): HTMLElement {
  return h(
    "ul",
    { class: "counts" },
    STATUSES.map((s) =>
      h("li", { "data-status": s }, h("span", { class: "count" }, String(counts[s])), ` ${s}`),
    ),
  );
}

export function batchView(context: ViewContext, id: string): View {
  const path = `/v1/batches/${encodeURIComponent(id)}`;
  const summary = h(
    "p",
    { class: "summary", "aria-live": "polite", "aria-atomic": "true", id: "batch-summary" },
    "Loading…",
  );
  const progress = h("progress", { max: 1, value: 0, "aria-labelledby": "batch-summary" });
  const counts = h("div", {});
  const problems = h("div", {});
  const failures = h("div", {}, h("p", {}, "Loading…"));
  const items = h("div", {});
  let failedSeen = -1;

  const loadFailures = async (): Promise<void> => {
    const failed: RecordView[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < FAILURE_PAGES; page++) {
      const { body } = await context.api<BatchView>(
        "GET",
        `${path}${queryOf({ status: "failed", limit: String(PAGE_SIZE), cursor })}`,
      );
      failed.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    replace(failures, failureList(groupFailures(failed)));
  };

  const loadItems = async (cursor?: string): Promise<void> => {
    const { body } = await context.api<BatchView>("GET", `${path}${queryOf({ cursor })}`);
    replace(
      items,
      recordsTable(body.items, `Items${cursor ? " (a later page)" : ""}`, ["Batch"]),
      h(
        "nav",
        { class: "pager", "aria-label": "Item pages" },
        cursor ? h("button", { type: "button", onclick: () => void loadItems() }, "First page") : null,
        body.nextCursor
          ? h("button", { type: "button", onclick: () => void loadItems(body.nextCursor) }, "Next page")
          : null,
      ),
    );
  };

  const element = h(
    "section",
    { class: "batch", "data-done": "false" },
    h("h1", { tabindex: -1 }, "Batch ", h("span", { class: "id" }, id)),
    h("p", {}, h("a", { href: `#/${queryOf({ batchId: id })}` }, "This batch in the records list")),
    problems,
    h("div", { class: "card progress" }, summary, progress, counts),
    h(
      "section",
      { "aria-labelledby": "failures-heading" },
      h("h2", { id: "failures-heading" }, "Failures by error code"),
      failures,
    ),
    h("section", { "aria-labelledby": "items-heading" }, h("h2", { id: "items-heading" }, "Items"), items),
  );
  const poller = poll(async () => {
    try {
      const answer = await context.api<BatchView>("GET", `${path}?limit=1`);
      const batch = answer.body;
      const finished = batch.counts.succeeded + batch.counts.failed + batch.counts.cancelled;
      setText(summary, summaryOf(batch));
      progress.max = Math.max(1, batch.total);
      progress.value = finished;
      replace(counts, countList(batch.counts));
      replace(problems);
      if (batch.counts.failed !== failedSeen) {
        failedSeen = batch.counts.failed;
        await loadFailures();
      }
      if (batch.done) await loadItems();
      // Set last: a reader of `data-done` (the tests, the screenshots) finds the failures and items in place.
      element.dataset.done = String(batch.done);
      return {
        done: batch.done,
        ...(answer.retryAfterSeconds ? { retryAfterSeconds: answer.retryAfterSeconds } : {}),
      };
    } catch (error) {
      replace(problems, problemBox(error));
      throw error;
    }
  });

  void loadItems().catch((error: unknown) => replace(items, problemBox(error)));
  return { element, dispose: () => poller.stop() };
}
