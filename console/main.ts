/**
 * The console's shell: signs in, routes by the address's hash (`#/`, `#/records/<id>`,
 * `#/batches/<id>`, `#/check`), gives each view its API client, moves focus to the new view's heading, and
 * stops the old view's polling. Plain DOM; no framework (docs/console.md).
 */
import { type ApiError, apiFor } from "./api";
import type { View, ViewContext } from "./context";
import { h, replace } from "./dom";
import { clearSession, readSession, type Session } from "./session";
import { batchView } from "./views/batch";
import { checkView } from "./views/check";
import { recordView } from "./views/record";
import { recordsView } from "./views/records";
import { signInView } from "./views/sign-in";

const main = document.getElementById("main") as HTMLElement;
const sessionArea = document.getElementById("session") as HTMLElement;
const announcer = document.getElementById("announcer") as HTMLElement;

let current: View | undefined;

function announce(message: string): void {
  // Emptied first so the same sentence twice is read twice.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

function show(view: View): void {
  current?.dispose?.();
  current = view;
  replace(main, view.element);
  const heading = main.querySelector<HTMLElement>("h1");
  heading?.focus();
  document.title = `${heading?.textContent ?? "Console"} · Image pipeline requests`;
}

function signOut(reason?: string): void {
  clearSession();
  render(reason);
}

function sessionBar(session: Session): void {
  const openBatch = h(
    "form",
    {
      class: "open-batch",
      "aria-label": "Open a batch",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const value = (document.getElementById("open-batch-id") as HTMLInputElement).value.trim();
        if (value) location.hash = `#/batches/${encodeURIComponent(value)}`;
      },
    },
    h("label", { for: "open-batch-id" }, "Batch id"),
    h("input", { id: "open-batch-id", name: "batch", autocomplete: "off", spellcheck: "false" }),
    h("button", { type: "submit" }, "Open"),
  );
  replace(
    sessionArea,
    h(
      "nav",
      { "aria-label": "Main", class: "main-nav" },
      h("a", { href: "#/" }, "Records"),
      h("a", { href: "#/check" }, "Check a request"),
    ),
    openBatch,
    h(
      "div",
      { class: "who-area" },
      h(
        "p",
        { class: "who" },
        "Signed in as ",
        h("strong", {}, session.sub),
        h("span", { class: "scopes" }, ` (${session.scopes.join(", ") || "no scopes"})`),
      ),
      h("button", { type: "button", onclick: () => signOut() }, "Sign out"),
    ),
  );
}

function route(context: ViewContext): View {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [pathPart = "/", queryPart = ""] = hash.split("?", 2);
  const record = /^\/records\/([^/]+)$/.exec(pathPart);
  if (record?.[1]) return recordView(context, decodeURIComponent(record[1]));
  if (pathPart === "/check") return checkView(context);
  const batch = /^\/batches\/([^/]+)$/.exec(pathPart);
  if (batch?.[1]) return batchView(context, decodeURIComponent(batch[1]));
  return recordsView(context, new URLSearchParams(queryPart));
}

function render(reason?: string): void {
  const session = readSession();
  if (!session) {
    replace(sessionArea);
    show({ element: signInView(() => render(), reason) });
    return;
  }
  sessionBar(session);
  const api = apiFor(session.token, (error: ApiError) =>
    signOut(`Signed out: the service refused the token (${error.message}).`),
  );
  show(route({ session, api, announce }));
}

// The skip link must not change the hash: the hash is the route.
document.querySelector(".skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => render());
render();
