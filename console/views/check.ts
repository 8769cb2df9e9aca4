/**
 * "Check a request": POST /v1/pipelines:validate with what the person typed, sent as typed (so
 * malformed JSON gets the service's own problem), and either the request as it would be sent or
 * the problem's faults (pointer, code, message). Nothing is stored or queued by the service.
 * Validation takes pipelines:write, as submitting does (docs/http-api.md).
 */

import type { ValidatedView, ViolationView } from "../../shared/http/views";
import { ApiError } from "../api";
import type { View, ViewContext } from "../context";
import { type Child, h, replace } from "../dom";
import { details, labelList, problemBox } from "../format";
import { canWrite } from "../session";

const VALIDATE = "/v1/pipelines:validate";

/** What the field holds at first: a request the service accepts, to edit. */
const EXAMPLE = {
  RegionId: "cn-hangzhou",
  BaseImageType: "IMAGE",
  BaseImage: "aliyun_3_x64_20G_alibase_20240819.vhd",
  Name: "web-base",
  BuildContent: "RUN yum install -y nginx",
  SystemDiskSize: 40,
  labels: { ticket: "CHG-1042" },
};

/** The text typed last, kept for this tab's life so a look at a record and Back do not lose it. */
let typed = JSON.stringify(EXAMPLE, null, 2);

function faultTable(faults: ViolationView[], caption: string): HTMLElement {
  return h(
    "table",
    { class: "faults" },
    h("caption", {}, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Pointer", "Code", "Message"].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      faults.map((fault) =>
        h(
          "tr",
          {},
          h("td", { "data-label": "Pointer" }, h("code", {}, fault.pointer || "(the body)")),
          h("td", { "data-label": "Code" }, h("code", {}, fault.code)),
          h("td", { "data-label": "Message" }, fault.detail),
        ),
      ),
    ),
  );
}

function validResult(answer: ValidatedView): HTMLElement {
  const warnings = answer.warnings ?? [];
  return h(
    "section",
    { class: "card check-result", "data-valid": "true", "aria-labelledby": "result-heading" },
    h("h2", { id: "result-heading" }, "Valid"),
    h("p", {}, "The service would accept this request. Nothing was stored or queued."),
    details([
      ["Account", answer.accountId],
      ["Region", answer.regionId],
      [
        "ClientToken",
        answer.clientToken ? h("code", {}, answer.clientToken) : "the record's id, on submission",
      ],
      ["Labels", answer.labels ? labelList(answer.labels) : "none"],
    ]),
    warnings.length > 0
      ? faultTable(warnings, `${warnings.length} ${warnings.length === 1 ? "warning" : "warnings"}`)
      : null,
    h("h3", { id: "sent-heading" }, "As it would be sent to ECS"),
    h(
      "pre",
      { class: "request", tabindex: 0, "aria-labelledby": "sent-heading" },
      JSON.stringify(answer.request, null, 2),
    ),
  );
}

/** The body's faults when the service listed them; any other failure as the problem it answered. */
function invalidResult(error: unknown): HTMLElement {
  const problem = error instanceof ApiError ? error.problem : undefined;
  const faults = (problem?.errors ?? []).filter((f): f is ViolationView => "pointer" in f);
  if (!problem || faults.length === 0) return problemBox(error);
  const count = problem.errorCount ?? faults.length;
  const caption =
    count > faults.length
      ? `${count} faults found; the first ${faults.length} listed`
      : `${count} ${count === 1 ? "fault" : "faults"}`;
  return h(
    "section",
    { class: "card check-result", "data-valid": "false", "aria-labelledby": "result-heading" },
    h("h2", { id: "result-heading" }, "Not valid"),
    h(
      "p",
      {},
      h("strong", {}, `${problem.status} ${problem.title}`),
      problem.detail ? `: ${problem.detail}` : "",
    ),
    faultTable(faults, caption),
  );
}

function checkForm(context: ViewContext): Child[] {
  const field = h(
    "textarea",
    {
      id: "check-body",
      name: "body",
      rows: 16,
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "check-help",
    },
    typed,
  );
  const button = h("button", { type: "submit" }, "Check");
  const result = h("div", { class: "result", "aria-live": "polite" });
  const run = async (): Promise<void> => {
    typed = field.value;
    button.disabled = true;
    result.setAttribute("aria-busy", "true");
    try {
      const answer = await context.api<ValidatedView>("POST", VALIDATE, field.value);
      field.removeAttribute("aria-invalid");
      replace(result, validResult(answer.body));
    } catch (error) {
      field.setAttribute("aria-invalid", "true");
      replace(result, invalidResult(error));
    } finally {
      button.disabled = false;
      result.setAttribute("aria-busy", "false");
    }
  };
  const form = h(
    "form",
    {
      class: "check",
      "aria-label": "Check a request",
      onsubmit: (event: Event) => {
        event.preventDefault();
        void run();
      },
    },
    h("label", { for: "check-body" }, "Request (JSON, the body of POST /v1/pipelines)"),
    field,
    button,
  );
  return [form, result];
}

export function checkView(context: ViewContext): View {
  const intro = h(
    "p",
    { id: "check-help", class: "help" },
    "The service checks it exactly as a submission and answers with the request as it would be sent, or with every fault it found. Nothing is stored, queued or sent to ECS, and no ClientToken or Idempotency-Key is used up.",
  );
  const body: Child[] = canWrite(context.session)
    ? checkForm(context)
    : [h("p", { class: "help" }, "Checking a request takes the pipelines:write scope, as submitting does.")];
  const element = h(
    "section",
    { class: "check-view" },
    h("h1", { tabindex: -1 }, "Check a request"),
    intro,
    body,
  );
  return { element };
}
