/**
 * One record (GET /v1/pipelines/{id}): its state, outcome, attempts and the request as sent, read
 * again while unfinished; cancel while pending (DELETE, write scope). `attempts` is a list of ECS
 * calls where the service gives one, else the count.
 */

import type { RecordView } from "../../shared/http/views";
import { ApiError } from "../api";
import type { View, ViewContext } from "../context";
import { type Child, h, replace } from "../dom";
import { batchLink, details, problemBox, statusBadge, time } from "../format";
import { poll } from "../poller";
import { canWrite } from "../session";

/** One ECS call as GET /v1/pipelines/{id} lists it (attempt history). */
export interface AttemptView {
  attempt?: number;
  at?: string;
  outcome?: string;
  code?: string;
  message?: string;
  requestId?: string;
  durationMs?: number;
}

type RecordWithExtras = Omit<RecordView, "attempts"> & {
  attempts: number | AttemptView[];
  labels?: Record<string, string>;
};

const UNFINISHED = new Set(["pending", "running"]);

function attemptsSection(attempts: number | AttemptView[], finished: boolean): HTMLElement {
  const heading = h("h2", { id: "attempts-heading" }, "Attempts");
  if (!Array.isArray(attempts))
    return h(
      "section",
      { "aria-labelledby": "attempts-heading" },
      heading,
      h("p", {}, `${attempts} ECS ${attempts === 1 ? "call" : "calls"}${finished ? "" : " so far"}.`),
    );
  const columns = ["#", "At", "Outcome", "Code", "Message", "ECS RequestId", "Duration"];
  return h(
    "section",
    { "aria-labelledby": "attempts-heading" },
    heading,
    attempts.length === 0
      ? h("p", {}, "No ECS call yet.")
      : h(
          "table",
          { class: "attempts" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              columns.map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h(
            "tbody",
            {},
            attempts.map((a, i) =>
              h(
                "tr",
                {},
                h("td", { "data-label": "#" }, String(a.attempt ?? i + 1)),
                h("td", { "data-label": "At" }, time(a.at)),
                h("td", { "data-label": "Outcome" }, a.outcome ?? "—"),
                h("td", { "data-label": "Code" }, a.code ? h("code", {}, a.code) : "—"),
                h("td", { "data-label": "Message" }, a.message ?? ""),
                h("td", { "data-label": "ECS RequestId" }, a.requestId ? h("code", {}, a.requestId) : "—"),
                h(
                  "td",
                  { "data-label": "Duration" },
                  a.durationMs === undefined ? "—" : `${a.durationMs} ms`,
                ),
              ),
            ),
          ),
        ),
  );
}

function labelList(labels: Record<string, string> | undefined): Child {
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return h(
    "ul",
    { class: "labels" },
    Object.entries(labels).map(([k, v]) => h("li", {}, h("code", {}, `${k}:${v}`))),
  );
}

function recordDetails(record: RecordWithExtras): HTMLElement {
  return details([
    ["Status", statusBadge(record.status)],
    ["Account", record.accountId],
    ["Region", record.regionId],
    ["Batch", record.batchId ? batchLink(record.batchId) : undefined],
    ["Submitted by", record.submittedBy],
    ["Labels", labelList(record.labels)],
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
function cancelControls(context: ViewContext, record: RecordWithExtras, reload: () => void): Child {
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
  const render = (record: RecordWithExtras): void => {
    element.dataset.status = record.status;
    replace(
      body,
      cancelControls(context, record, () => {
        poller.stop();
        poller = poll(read);
      }),
      recordDetails(record),
      errorSection(record.error),
      attemptsSection(record.attempts, !UNFINISHED.has(record.status)),
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
      const answer = await context.api<RecordWithExtras>("GET", `/v1/pipelines/${encodeURIComponent(id)}`);
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
