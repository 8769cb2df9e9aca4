/**
 * Headless Chromium for the web console's tests and screenshots: Debian's `chromium` driven by
 * playwright-core (no browser download), a fresh profile per launch, nothing phoning home.
 * CHROMIUM_PATH overrides /usr/bin/chromium. Every console message of type error, every uncaught
 * page error and every CSP violation is collected, so a test can assert there were none.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface ConsoleBrowser {
  context: BrowserContext;
  /** A new tab whose errors land in {@link errors}. */
  newPage(): Promise<Page>;
  /** Console errors, page errors and CSP violations seen so far, in order. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchConsoleBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<ConsoleBrowser> {
  const profile = await mkdtemp(path.join(tmpdir(), "console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  const errors: string[] = [];
  const watch = (page: Page): Page => {
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
    return page;
  };
  // A CSP violation is reported to the page as an event as well as a console error; both are kept.
  await context.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI));`,
  });
  for (const page of context.pages()) watch(page);
  return {
    context,
    errors,
    newPage: async () => watch(await context.newPage()),
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
