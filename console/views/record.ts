/**
 * One record (GET /v1/pipelines/{id}): its state, outcome, labels, attempt history and the request
 * as sent, read again while unfinished; cancel while pending (DELETE, write scope).
 */

import type { AttemptView, RecordDetailView, RecordView } from "../../shared/http/views";
import { ApiError } from "../api";
import type { View, ViewContext } from "../context";
import { type Child, h, replace } from "../dom";
import { batchLink, details, labelList, problemBox, statusBadge, time } from "../format";
import { poll } from "../poller";
import { canWrite } from "../session";

const UNFINISHED = new Set(["pending", "running"]);

/** One column of the history: its heading and what a row shows under it. */
const ATTEMPT_COLUMNS: [string, (attempt: AttemptView) => Child | Child[]][] = [
  ["#", (a) => String(a.number)],
  ["Started", (a) => time(a.at)],
  ["Outcome", (a) => h("span", { class: "outcome", "data-outcome": a.outcome }, a.outcome)],
  [
    "Code",
    (a) => (a.code ? h("span", {}, h("code", {}, a.code), a.reachedEcs === false ? " (STS)" : "") : "—"),
  ],
  ["Message", (a) => a.message ?? ""],
  ["RequestId (ECS or STS)", (a) => (a.requestId ? h("code", {}, a.requestId) : "—")],
  ["Duration", (a) => (a.durationMs === undefined ? "not seen to end" : `${a.durationMs} ms`)],
];

/**
 * Says how much of the history the table holds. Entries are numbered over the record's life, so
 * the last number is how many were recorded, and a first number above 1 means older ones were
 * dropped (the service keeps the latest only). An STS refusal is an attempt that made no ECS call,
 * so this count can exceed the record's `attempts` (its ECS calls).
 */
function historyCaption(kept: AttemptView[], finished: boolean): string {
  const first = kept[0]?.number ?? 1;
  const recorded = kept[kept.length - 1]?.number ?? kept.length;
  const calls = `${recorded} ${recorded === 1 ? "attempt" : "attempts"}${finished ? "" : " so far"}`;
  return first > 1 ? `${calls}; the latest ${kept.length} kept, oldest first` : `${calls}, oldest first`;
}

function attemptsSection(record: RecordDetailView, finished: boolean): HTMLElement {
  const history = record.attemptHistory;
  return h(
    "section",
    { "aria-labelledby": "attempts-heading" },
    h("h2", { id: "attempts-heading" }, "Attempts"),
    history.length === 0
      ? h("p", { class: "empty" }, finished ? "No ECS call was made." : "No ECS call yet.")
      : h(
          "table",
          { class: "attempts" },
          h("caption", {}, historyCaption(history, finished)),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ATTEMPT_COLUMNS.map(([label]) => h("th", { scope: "col" }, label)),
            ),
          ),
          h(
            "tbody",
            {},
            history.map((attempt) =>
              h(
                "tr",
                { "data-outcome": attempt.outcome },
                ATTEMPT_COLUMNS.map(([label, cell]) => h("td", { "data-label": label }, cell(attempt))),
              ),
            ),
          ),
        ),
  );
}

function recordDetails(record: RecordDetailView): HTMLElement {
  return details([
    ["Status", statusBadge(record.status)],
    ["Account", record.accountId],
    ["Region", record.regionId],
    ["Batch", record.batchId ? batchLink(record.batchId) : undefined],
    ["Submitted by", record.submittedBy],
    ["Labels", labelList(record.labels) ?? "none"],
    ["ECS calls", String(record.attempts)],
    ["Created", time(record.createdAt)],
    ["Updated", time(record.updatedAt)],
    ["Completed", record.completedAt ? time(record.completedAt) : undefined],
    ["Image pipeline", record.imagePipelineId ? h("code", {}, record.imagePipelineId) : undefined],
    ["ClientToken", h("code", {}, record.clientToken)],
  ]);
}

function errorSection(error: RecordView["error"]): Child {
  if (!error) return undefined;
  return h(
    "section",
    { class: "card error", "aria-labelledby": "error-heading" },
    h("h2", { id: "error-heading" }, "Error"),
    details([
      ["Code", h("code", { class: "error-code" }, error.code)],
      ["Message", error.message],
      ["RequestId (ECS or STS)", error.requestId ? h("code", {}, error.requestId) : undefined],
      ["Retryable", error.retryable ? "yes: submitting it again may succeed" : "no"],
    ]),
  );
}

/** Cancel in two steps (no `confirm()` dialog): the second button does it, Escape or Keep backs out. */
function cancelControls(context: ViewContext, record: RecordDetailView, reload: () => void): Child {
  if (record.status !== "pending") return undefined;
  if (!canWrite(context.session))
    return h("p", { class: "help" }, "Cancelling takes the pipelines:write scope.");
  const area = h("div", { class: "cancel" });
  const ask = (): void => {
    const confirmButton = h(
      "button",
      { type: "button", class: "danger", onclick: () => void run() },
      "Yes, cancel this request",
    );
    replace(
      area,
      h("p", { id: "cancel-question" }, "Cancel this pending request? It will not be sent to ECS."),
      confirmButton,
      h("button", { type: "button", onclick: () => initial() }, "Keep it"),
    );
    area.onkeydown = (event) => {
      if (event.key === "Escape") initial();
    };
    confirmButton.focus();
  };
  const initial = (): void => {
    const button = h("button", { type: "button", class: "danger", onclick: ask }, "Cancel request");
    replace(area, button);
    area.onkeydown = null;
  };
  const run = async (): Promise<void> => {
    try {
      await context.api("DELETE", `/v1/pipelines/${encodeURIComponent(record.id)}`);
      context.announce("The request was cancelled.");
    } catch (error) {
      context.announce(error instanceof ApiError ? `Not cancelled: ${error.message}` : "Not cancelled.");
      replace(area, problemBox(error));
      return;
    }
    reload();
  };
  initial();
  return area;
}

export function recordView(context: ViewContext, id: string): View {
  const body = h("div", { "aria-busy": "true" }, h("p", {}, "Loading…"));
  const heading = h("h1", { tabindex: -1 }, "Request ", h("span", { class: "id" }, id));
  const element = h("section", { class: "record" }, heading, body);
  let poller = { stop: () => {} };
  const render = (record: RecordDetailView): void => {
    element.dataset.status = record.status;
    replace(
      body,
      cancelControls(context, record, () => {
        poller.stop();
        poller = poll(read);
      }),
      recordDetails(record),
      errorSection(record.error),
      attemptsSection(record, !UNFINISHED.has(record.status)),
      h(
        "section",
        { "aria-labelledby": "request-heading" },
        h("h2", { id: "request-heading" }, "Request"),
        h(
          "pre",
          { class: "request", tabindex: 0, "aria-label": "The request as submitted (JSON)" },
          JSON.stringify(record.request, null, 2),
        ),
      ),
    );
  };
  let lastStatus = "";
  const read = async (): Promise<{ done: boolean; retryAfterSeconds?: number }> => {
    try {
      const answer = await context.api<RecordDetailView>("GET", `/v1/pipelines/${encodeURIComponent(id)}`);
      const record = answer.body;
      // Re-rendered only when something changed, so focus on a button is not lost at every poll.
      const fingerprint = JSON.stringify(record);
      if (fingerprint !== lastStatus) {
        lastStatus = fingerprint;
        render(record);
      }
      body.setAttribute("aria-busy", "false");
      return {
        done: !UNFINISHED.has(record.status),
        ...(answer.retryAfterSeconds ? { retryAfterSeconds: answer.retryAfterSeconds } : {}),
      };
    } catch (error) {
      lastStatus = "";
      replace(body, problemBox(error));
      body.setAttribute("aria-busy", "false");
      if (error instanceof ApiError && error.status === 404) return { done: true };
      throw error;
    }
  };
  poller = poll(read);
  return { element, dispose: () => poller.stop() };
}
