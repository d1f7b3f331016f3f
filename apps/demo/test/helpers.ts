/**
 * End-to-end helpers: the demo started in-process on a fresh data folder, Debian's Chromium
 * driven by playwright-core (never a downloaded browser), and the server's own view of a chat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { HEADER, START_OFFSET, materialize, type ChatMessage } from "@open-chat/shared";
import { startDemo, type Demo } from "../src/demo.js";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface E2E {
  demo: Demo;
  browser: Browser;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-demo-e2e-"));
  const demo = await startDemo({ ...process.env, DATA_DIR: dataDir, PORT: "0", DEMO_PORT: "0", SHUTDOWN_GRACE_MS: "5000" }, () => {});
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  return {
    demo,
    browser,
    async close() {
      await browser.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The guest token and current chat the widget keeps in the page's localStorage. */
export async function widgetIdentity(page: Page, apiUrl: string): Promise<{ token: string; chatId: string }> {
  return page.evaluate((api) => {
    const root = `open-chat:${api}`;
    const token = localStorage.getItem(`${root}:token`);
    const chatId = localStorage.getItem(`${root}:widget:current-chat`);
    if (!token || !chatId) throw new Error(`no widget identity in localStorage (${Object.keys(localStorage).join(", ")})`);
    return { token, chatId };
  }, apiUrl);
}

/** The chat as the server's log has it (catch-up reads, folded by the shared fold). */
export async function serverMessages(apiUrl: string, token: string, chatId: string): Promise<readonly ChatMessage[]> {
  const events: unknown[] = [];
  let offset: string = START_OFFSET;
  for (;;) {
    const response = await fetch(`${apiUrl}/v1/chats/${chatId}/events?offset=${offset}`, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`events: ${response.status} ${await response.text()}`);
    events.push(...((await response.json()) as unknown[]));
    offset = response.headers.get(HEADER.streamNextOffset)!;
    if (response.headers.get(HEADER.streamUpToDate) === "true") return materialize(events).messages;
  }
}

/** Visible text of the transcript's messages, in order: [role, status, text]. */
export function transcript(page: Page): Promise<Array<[string, string, string]>> {
  return page.locator("open-chat article.msg").evaluateAll((articles) =>
    articles.map((a) => {
      const role = a.classList.contains("user") ? "user" : "assistant";
      const status = ["streaming", "completed", "error", "stopped", "pending", "failed"].find((s) => a.classList.contains(s)) ?? "";
      const content = a.querySelector(".content")?.textContent ?? "";
      return [role, status, content.replace(/\s+/g, " ").trim()] as [string, string, string];
    }),
  );
}

export const normalize = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * Collects page errors and console errors (CSP violations show up here: the demo pages are
 * served with `script-src 'self'; style-src 'self'`).
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  return errors;
}
