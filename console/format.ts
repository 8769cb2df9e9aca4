/** Small shared pieces of the views: status badges, times, labels, problems, definition lists. */
import { ApiError } from "./api";
import { type Child, h } from "./dom";

export const STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;

/** The status as a word (never colour alone), coloured by the stylesheet through `data-status`. */
export const statusBadge = (status: string): HTMLElement =>
  h("span", { class: "badge", "data-status": status }, status);

export function time(iso: string | undefined): Child {
  if (!iso) return "—";
  const at = new Date(iso);
  return h("time", { datetime: iso, title: iso }, at.toLocaleString());
}

/** A definition list from label/value pairs; pairs without a value are left out. */
export function details(rows: [string, Child | Child[]][]): HTMLElement {
  return h(
    "dl",
    { class: "details" },
    rows
      .filter(([, value]) => value !== undefined && value !== null && value !== "")
      .flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, ...[value].flat())]),
  );
}

/** An error shown where it happened, read out at once (`role=alert`). */
export function problemBox(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    const faults = error.problem?.errors ?? [];
    return h(
      "div",
      { class: "problem", role: "alert" },
      h(
        "p",
        {},
        h("strong", {}, `${error.status} ${error.problem?.title ?? "Error"}`),
        error.problem?.detail ? `: ${error.problem.detail}` : "",
      ),
      faults.length > 0
        ? h(
            "ul",
            {},
            faults.map((fault) =>
              h(
                "li",
                {},
                h("code", {}, "parameter" in fault ? fault.parameter : fault.pointer),
                ` ${fault.code}: ${fault.detail}`,
              ),
            ),
          )
        : null,
    );
  }
  return h(
    "div",
    { class: "problem", role: "alert" },
    h("p", {}, `The service could not be reached: ${String(error)}`),
  );
}

export const recordLink = (id: string, text: Child = id): HTMLElement =>
  h("a", { href: `#/records/${encodeURIComponent(id)}`, class: "id" }, text);

export const batchLink = (id: string, text: Child = id): HTMLElement =>
  h("a", { href: `#/batches/${encodeURIComponent(id)}`, class: "id" }, text);

/**
 * A record's labels as `key:value` chips, sorted by key, each a link to the list filtered by it
 * (the list's `label` filter takes the same `key:value`); undefined when it has none.
 */
export function labelList(labels: Readonly<Record<string, string>>): HTMLElement | undefined {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return undefined;
  return h(
    "ul",
    { class: "labels" },
    entries.map(([key, value]) =>
      h(
        "li",
        {},
        h(
          "a",
          {
            href: `#/?label=${encodeURIComponent(`${key}:${value}`)}`,
            title: `Records labelled ${key}:${value}`,
          },
          h("span", { class: "label-key" }, key),
          ":",
          value,
        ),
      ),
    ),
  );
}
