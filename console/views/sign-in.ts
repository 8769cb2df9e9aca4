/**
 * Signing in: paste a token; against the local stack (`npm start`) a button asks it for a dev token
 * (POST /_local/dev-token, served by the local stack only, never by a deployed function).
 */
import { h, replace } from "../dom";
import { type Session, saveSession } from "../session";

const LOCAL_INFO = "/_local/info";
const LOCAL_DEV_TOKEN = "/_local/dev-token";

interface DevTokenAnswer {
  token: string;
}

export function signInView(onSignedIn: (session: Session) => void, reason?: string): HTMLElement {
  const message = h(
    "div",
    { id: "sign-in-message", "aria-live": "assertive" },
    reason ? h("p", { class: "problem" }, reason) : null,
  );
  const showError = (text: string): void =>
    replace(message, h("p", { class: "problem", role: "alert" }, text));
  const tokenField = h("textarea", {
    id: "token",
    name: "token",
    rows: 4,
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-help sign-in-message",
  });
  const form = h(
    "form",
    {
      class: "card",
      "aria-labelledby": "paste-heading",
      onsubmit: (event: Event) => {
        event.preventDefault();
        try {
          onSignedIn(saveSession(tokenField.value));
        } catch (error) {
          showError((error as Error).message);
          tokenField.setAttribute("aria-invalid", "true");
          tokenField.focus();
        }
      },
    },
    h("h2", { id: "paste-heading" }, "Paste a token"),
    h("label", { for: "token" }, "Bearer token (JWT)"),
    tokenField,
    h(
      "p",
      { id: "token-help", class: "help" },
      "Kept in this tab only (sessionStorage) until you sign out or close it.",
    ),
    h("button", { type: "submit" }, "Sign in"),
  );
  const devSection = h("section", { class: "card", hidden: true, "aria-labelledby": "dev-heading" });
  void offerDevToken(devSection, onSignedIn, showError);
  return h("section", { class: "sign-in" }, h("h1", { tabindex: -1 }, "Sign in"), message, form, devSection);
}

/** Shows the dev-token button only when the local stack's control plane answers. */
async function offerDevToken(
  section: HTMLElement,
  onSignedIn: (session: Session) => void,
  showError: (text: string) => void,
): Promise<void> {
  const probe = await fetch(LOCAL_INFO, { cache: "no-store", credentials: "omit" }).catch(() => undefined);
  if (!probe?.ok || !(probe.headers.get("content-type") ?? "").includes("json")) return;
  const subField = h("input", {
    id: "dev-sub",
    name: "sub",
    value: "console-user",
    required: true,
    autocomplete: "off",
  });
  const scopeField = h(
    "select",
    { id: "dev-scope", name: "scope" },
    h("option", { value: "pipelines:write pipelines:read" }, "read and write"),
    h("option", { value: "pipelines:read" }, "read only"),
  );
  const button = h("button", { type: "submit" }, "Get a dev token");
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        button.disabled = true;
        try {
          const response = await fetch(LOCAL_DEV_TOKEN, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ sub: subField.value.trim(), scope: scopeField.value }),
            credentials: "omit",
          });
          const body = (await response.json()) as DevTokenAnswer & { detail?: string };
          if (!response.ok) throw new Error(body.detail ?? `The local stack answered ${response.status}`);
          onSignedIn(saveSession(body.token));
        } catch (error) {
          showError((error as Error).message);
        } finally {
          button.disabled = false;
        }
      },
    },
    h("label", { for: "dev-sub" }, "User (the token's subject)"),
    subField,
    h("label", { for: "dev-scope" }, "Scopes"),
    scopeField,
    button,
  );
  replace(
    section,
    h("h2", { id: "dev-heading" }, "Local stack"),
    h("p", { class: "help" }, "This console is served by `npm start`: it can sign you in with a dev token."),
    form,
  );
  section.hidden = false;
}
