/** What every view gets from the shell (main.ts). */
import type { Api } from "./api";
import type { Session } from "./session";

export interface ViewContext {
  session: Session;
  api: Api;
  /** Says something through the page's polite live region. */
  announce(message: string): void;
}

export interface View {
  element: HTMLElement;
  /** Stops what the view still does (polling) when another view replaces it. */
  dispose?(): void;
}
