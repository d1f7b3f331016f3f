/**
 * End-to-end helpers: the demo started in-process on a fresh data folder, Debian's Chromium
 * (launched by @open-chat/testing), and the server's own view of a chat.
 */
import { storageKeys } from "@open-chat/sdk";
import { startModelServer } from "@open-chat/server/model-server";
import { launchChromium, makeTempDir, readLog, removeDir, startModelGate, type ModelGate } from "@open-chat/testing";
import { START_OFFSET } from "@open-chat/shared";
import type { Browser, Page } from "playwright-core";
import type { ChatMessage } from "@open-chat/shared";
import { startDemo, type Demo } from "../src/demo.js";

export interface E2E {
  demo: Demo;
  browser: Browser;
  /**
   * Between the demo's server and its model (the same test model server the demo embeds, run
   * here instead): holding it keeps an answer mid-stream for as long as a test needs.
   */
  modelGate: ModelGate;
  /** The OPERATOR_KEY the demo's server runs with (the admin API). */
  operatorKey: string;
  close(): Promise<void>;
}

const OPERATOR_KEY = "demo-e2e-operator-key-demo-e2e-operator-key";

export async function startE2E(): Promise<E2E> {
  const dataDir = makeTempDir("open-chat-demo-e2e-");
  const model = await startModelServer();
  const modelGate = await startModelGate(model.url);
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: "0", DEMO_PORT: "0", SHUTDOWN_GRACE_MS: "5000" };
  delete env.OPENROUTER_API_KEY;
  // Every page of every test signs in a guest from 127.0.0.1: more than a real visitor's 10 a minute.
  Object.assign(env, { OPENAI_BASE_URL: modelGate.url, OPENAI_API_KEY: "test", MODEL: "open-chat-local", OPERATOR_KEY, RATE_SIGNINS_PER_MINUTE: "1000" });
  const demo = await startDemo(env, () => {});
  const browser = await launchChromium();
  return {
    demo,
    browser,
    modelGate,
    operatorKey: OPERATOR_KEY,
    async close() {
      await browser.close();
      await demo.close();
      await modelGate.close();
      await model.close();
      removeDir(dataDir);
    },
  };
}

/** The guest token and current chat the widget keeps in the page's localStorage (the SDK's key layout). */
export async function widgetIdentity(page: Page, apiUrl: string): Promise<{ token: string; chatId: string }> {
  const keys = storageKeys(apiUrl);
  // The widget remembers its chat under the SDK's prefix.
  const stored = { tokenKey: keys.token, chatKey: `${keys.prefix}widget:current-chat` };
  return page.evaluate(({ tokenKey, chatKey }) => {
    const token = localStorage.getItem(tokenKey);
    const chatId = localStorage.getItem(chatKey);
    if (!token || !chatId) throw new Error(`no widget identity in localStorage (${Object.keys(localStorage).join(", ")})`);
    return { token, chatId };
  }, stored);
}

/** The chat as the server's log has it (catch-up reads with the demo site's key, folded by the shared fold). */
export async function serverMessages(demo: Demo, token: string, chatId: string): Promise<readonly ChatMessage[]> {
  return (await readLog(demo.apiUrl, token, chatId, START_OFFSET, { publishableKey: demo.publishableKey })).state.messages;
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
