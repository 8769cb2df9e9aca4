/**
 * The caller's records, newest first, with filters and paging. The filters and the cursor live in
 * the address (`#/?status=failed&cursor=...`), so Back returns to the previous page and a filtered
 * list can be linked to. The filters are sent as GET /v1/pipelines query parameters; a service
 * that refuses one (an unknown or bad parameter: 400 with the parameter named) gets the field marked.
 */

import type { RecordPageView, RecordView } from "../../shared/http/views";
import { ApiError, queryOf } from "../api";
import type { View, ViewContext } from "../context";
import { type Child, h, replace } from "../dom";
import { batchLink, labelList, problemBox, recordLink, STATUSES, statusBadge, time } from "../format";

interface FilterField {
  name: string;
  label: string;
  kind: "text" | "status" | "datetime" | "limit";
  placeholder?: string;
}

/** The list's query parameters (docs/http-api.md, "Routes"). */
export const FILTER_FIELDS: FilterField[] = [
  { name: "status", label: "Status", kind: "status" },
  { name: "batchId", label: "Batch id", kind: "text" },
  { name: "accountId", label: "Account id", kind: "text", placeholder: "1000000000000001" },
  { name: "regionId", label: "Region", kind: "text", placeholder: "cn-hangzhou" },
  { name: "label", label: "Label", kind: "text", placeholder: "key:value" },
  { name: "createdAfter", label: "Created after", kind: "datetime" },
  { name: "createdBefore", label: "Created before", kind: "datetime" },
  { name: "limit", label: "Per page", kind: "limit" },
];

/** `datetime-local` holds local time without a zone; the API takes an ISO 8601 instant. */
const toInstant = (local: string): string => (local ? new Date(local).toISOString() : "");
const toLocalInput = (iso: string): string => {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function fieldControl(field: FilterField, value: string): HTMLInputElement | HTMLSelectElement {
  const common = {
    id: `filter-${field.name}`,
    name: field.name,
    "aria-describedby": `filter-${field.name}-error`,
  };
  if (field.kind === "status")
    return h(
      "select",
      common,
      h("option", { value: "" }, "any"),
      STATUSES.map((s) => h("option", { value: s, selected: s === value }, s)),
    );
  if (field.kind === "limit")
    return h(
      "select",
      common,
      ["20", "50", "100"].map((n) => h("option", { value: n, selected: n === (value || "20") }, n)),
    );
  if (field.kind === "datetime")
    return h("input", { ...common, type: "datetime-local", value: toLocalInput(value) });
  return h("input", {
    ...common,
    type: "text",
    value,
    placeholder: field.placeholder,
    autocomplete: "off",
    spellcheck: "false",
  });
}

function filterForm(params: URLSearchParams): { form: HTMLFormElement; markFaults(error: unknown): void } {
  const controls = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const errors = new Map<string, HTMLElement>();
  const groups = FILTER_FIELDS.map((field) => {
    const control = fieldControl(field, params.get(field.name) ?? "");
    const error = h("span", { id: `filter-${field.name}-error`, class: "field-error" });
    controls.set(field.name, control);
    errors.set(field.name, error);
    return h("div", { class: "field" }, h("label", { for: control.id }, field.label), control, error);
  });
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter records",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const values: Record<string, string> = {};
        for (const field of FILTER_FIELDS) {
          const raw = controls.get(field.name)?.value.trim() ?? "";
          values[field.name] = field.kind === "datetime" ? toInstant(raw) : raw;
        }
        if (values.limit === "20") values.limit = "";
        location.hash = `#/${queryOf(values)}`;
      },
    },
    groups,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit" }, "Apply filters"),
      h("a", { href: "#/" }, "Clear"),
    ),
  );
  const markFaults = (error: unknown): void => {
    if (!(error instanceof ApiError)) return;
    for (const fault of error.problem?.errors ?? []) {
      if (!("parameter" in fault)) continue;
      const control = controls.get(fault.parameter);
      control?.setAttribute("aria-invalid", "true");
      errors.get(fault.parameter)?.append(fault.detail);
    }
  };
  return { form, markFaults };
}

/** The list's columns: a heading and what a row shows under it. */
const RECORD_COLUMNS: [string, (record: RecordView) => Child][] = [
  ["Record", (r) => recordLink(r.id)],
  ["Status", (r) => statusBadge(r.status)],
  ["Name", (r) => (r.request as { Name?: string }).Name ?? "—"],
  ["Account", (r) => r.accountId],
  ["Region", (r) => r.regionId],
  ["Batch", (r) => (r.batchId ? batchLink(r.batchId) : "—")],
  ["Labels", (r) => labelList(r.labels) ?? "—"],
  ["Created", (r) => time(r.createdAt)],
  ["Error", (r) => (r.error ? h("code", {}, r.error.code) : "")],
];

/** Records as a table; `omit` leaves out columns that say the same on every row (a batch's own id). */
export function recordsTable(records: RecordView[], caption: string, omit: string[] = []): HTMLElement {
  const columns = RECORD_COLUMNS.filter(([label]) => !omit.includes(label));
  return h(
    "table",
    { class: "records" },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map(([label]) => h("th", { scope: "col" }, label)),
      ),
    ),
    h(
      "tbody",
      {},
      records.map((record) =>
        h(
          "tr",
          {},
          columns.map(([label, cell]) => h("td", { "data-label": label }, cell(record))),
        ),
      ),
    ),
  );
}

export function recordsView(context: ViewContext, params: URLSearchParams): View {
  const { form, markFaults } = filterForm(params);
  const results = h("div", { class: "results", "aria-busy": "true" }, h("p", {}, "Loading…"));
  const element = h("section", {}, h("h1", { tabindex: -1 }, "Your records"), form, results);
  const query: Record<string, string> = {};
  for (const [name, value] of params) query[name] = value;
  context
    .api<RecordPageView>("GET", `/v1/pipelines${queryOf(query)}`)
    .then(({ body }) => {
      const next = new URLSearchParams(params);
      if (body.nextCursor) next.set("cursor", body.nextCursor);
      replace(
        results,
        body.items.length === 0
          ? h("p", { class: "empty" }, "No records match.")
          : recordsTable(
              body.items,
              `${body.items.length} records${params.has("cursor") ? " (a later page)" : ""}`,
            ),
        h(
          "nav",
          { class: "pager", "aria-label": "Pages" },
          params.has("cursor")
            ? h("a", { href: `#/${queryOf({ ...query, cursor: undefined })}` }, "First page")
            : null,
          body.nextCursor ? h("a", { href: `#/?${next.toString()}`, rel: "next" }, "Next page") : null,
        ),
      );
      context.announce(`${body.items.length} records shown`);
    })
    .catch((error: unknown) => {
      markFaults(error);
      replace(results, problemBox(error));
    })
    .finally(() => results.setAttribute("aria-busy", "false"));
  return { element };
}
