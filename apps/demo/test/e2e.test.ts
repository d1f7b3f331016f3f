/**
 * The browser end-to-end proof on the demo site, in Debian's Chromium: a long answer survives
 * the tab being closed mid-stream, the network being cut for seconds, and two tabs on one chat
 * — each time the final text on screen is identical to the server's log, with no duplicate.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { API_PATH } from "@open-chat/shared";
import { DEMO_TENANT_ID, demoOrigins, ensureDemoSite } from "../src/demo-site.js";
import { normalize, serverMessages, startE2E, transcript, watchErrors, widgetIdentity, type E2E } from "./helpers.js";

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
});
afterEach(() => e2e?.modelGate.open()); // a failed test never leaves the next one's answer held
afterAll(async () => {
  await e2e?.close();
});

// Mid-answer is set by the test, not by the machine's speed: the model gate holds the answer
// after a released prefix until the test opens it.
const LONG = "Tell me a long story [[tokens:300]]";

async function ask(page: Page, text: string) {
  const input = page.locator("open-chat textarea");
  await input.fill(text);
  await input.press("Enter");
}

/** Waits until the last assistant message shows `status` (and, optionally, some text). */
async function assistantReaches(page: Page, status: string, minChars = 0) {
  await page.waitForFunction(
    ({ status, minChars }) => {
      const find = (root: Document | ShadowRoot): Element[] => [
        ...root.querySelectorAll("article.msg.assistant"),
        ...[...root.querySelectorAll("*")].flatMap((el) => (el.shadowRoot ? find(el.shadowRoot) : [])),
      ];
      const last = find(document).at(-1);
      return !!last && last.classList.contains(status) && (last.querySelector(".content")?.textContent ?? "").trim().length >= minChars;
    },
    { status, minChars },
    { polling: 50, timeout: 60_000 },
  );
}

/** The page shows exactly one user and one assistant message, and the answer equals the server's. */
async function expectMatchesServer(page: Page) {
  const { token, chatId } = await widgetIdentity(page, e2e.demo.apiUrl);
  const server = await serverMessages(e2e.demo, token, chatId);
  const answer = server.at(-1)!;
  expect(answer).toMatchObject({ role: "assistant", status: "completed" });
  expect(answer.text.split(/\s+/).filter(Boolean)).toHaveLength(300);
  const shown = await transcript(page);
  expect(shown.map(([role, status]) => [role, status])).toEqual([
    ["user", "completed"],
    ["assistant", "completed"],
  ]);
  expect(shown[1]![2]).toBe(normalize(answer.text));
}

test("closing the tab mid-answer and reopening it: the reply finishes where it left off", async () => {
  const context = await e2e.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${e2e.demo.siteUrl}/`);
  await page.locator("open-chat button.launcher").click();
  e2e.modelGate.hold();
  await ask(page, LONG);
  await e2e.modelGate.releaseText(200);
  await assistantReaches(page, "streaming", 40);
  expect(errors, errors.join("\n")).toEqual([]);
  await page.close(); // mid-answer: the rest of the answer is still held
  e2e.modelGate.open();

  const reopened = await context.newPage();
  await reopened.goto(`${e2e.demo.siteUrl}/`);
  await reopened.locator("open-chat button.launcher").click();
  await assistantReaches(reopened, "completed");
  await expectMatchesServer(reopened);
  await context.close();
});

test("cutting the network for seconds mid-answer: the reply catches up with no gap or duplicate", async () => {
  const context = await e2e.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${e2e.demo.siteUrl}/inline`);
  e2e.modelGate.hold();
  await ask(page, LONG);
  await e2e.modelGate.releaseText(100);
  await assistantReaches(page, "streaming", 40);
  await context.setOffline(true);
  const { token, chatId } = await widgetIdentity(page, e2e.demo.apiUrl);
  // While the page is offline the answer keeps growing in the server's log (and cannot end:
  // the gate lets out only the next stretch of it).
  const shownBefore = (await transcript(page)).at(-1)![2].length;
  await e2e.modelGate.releaseText(Math.max(shownBefore, e2e.modelGate.releasedText.length) + 300);
  await expect.poll(async () => normalize((await serverMessages(e2e.demo, token, chatId)).at(-1)!.text).length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(shownBefore + 200);
  expect((await serverMessages(e2e.demo, token, chatId)).at(-1)!.status).toBe("streaming");
  await context.setOffline(false);
  e2e.modelGate.open();
  await assistantReaches(page, "completed");
  await expectMatchesServer(page);
  await context.close();
});

test("two tabs on one chat show the same answer", async () => {
  const context = await e2e.browser.newContext();
  const first = await context.newPage();
  await first.goto(`${e2e.demo.siteUrl}/inline`);
  e2e.modelGate.hold();
  await ask(first, LONG);
  await e2e.modelGate.releaseText(100);
  await assistantReaches(first, "streaming", 1);
  const second = await context.newPage();
  await second.goto(`${e2e.demo.siteUrl}/inline`);
  await assistantReaches(second, "streaming", 1); // the second tab joins mid-answer
  e2e.modelGate.open();
  await Promise.all([assistantReaches(first, "completed"), assistantReaches(second, "completed")]);
  await expectMatchesServer(first);
  await expectMatchesServer(second);
  await context.close();
});

test("the custom frontend on the SDK's TanStack DB collections streams an answer", async () => {
  const context = await e2e.browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${e2e.demo.siteUrl}/custom`);
  await page.locator("#app input[name=text]").fill("Hello custom [[tokens:120]] [[delay:10]]");
  e2e.modelGate.hold(); // the answer streams until the test has seen it answering
  await page.locator("#app form button[type=submit]").click();
  await e2e.modelGate.releaseText(20);
  // The join of chats with live messages marks the chat as answering while it streams.
  await page.locator("#app nav li button", { hasText: "answering" }).waitFor({ timeout: 30_000 });
  e2e.modelGate.open();
  await page.locator('#app .msg[data-role="assistant"][data-status="completed"]').waitFor({ timeout: 30_000 });
  await page.locator("#app nav li button", { hasText: "answering" }).waitFor({ state: "detached" });
  const shown = await page.locator("#app .msg").allTextContents();
  expect(shown).toHaveLength(2);
  expect(shown[0]).toBe("You: Hello custom [[tokens:120]] [[delay:10]]");
  expect(shown[1]!.replace(/^Assistant: /, "").split(/\s+/).filter(Boolean)).toHaveLength(120);
  expect(errors, errors.join("\n")).toEqual([]);
  await context.close();
});

test("the demo site is a tenant of its own: its pages carry its publishable key, set up once", async () => {
  const { demo } = e2e;
  expect(demo.publishableKey).toMatch(/^pk_/);
  // Keyless requests are refused now that the server serves a site.
  const keyless = await fetch(`${demo.apiUrl}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  expect([keyless.status, (await keyless.json()).error.code]).toEqual([401, "publishable_key_required"]);
  // The key reaches the pages as an attribute / meta tag (the CSP allows no inline script).
  const context = await e2e.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.siteUrl}/`);
  expect(await page.locator("open-chat").getAttribute("publishable-key")).toBe(demo.publishableKey);
  await page.goto(`${demo.siteUrl}/custom`);
  expect(await page.locator('meta[name="open-chat-publishable-key"]').getAttribute("content")).toBe(demo.publishableKey);
  await context.close();
  // A second start finds the tenant, adds a new origin and reuses the active key.
  const again = await ensureDemoSite({ apiUrl: demo.apiUrl, operatorKey: e2e.operatorKey, origins: ["http://127.0.0.1:4999"] });
  expect(again).toBe(demo.publishableKey);
  const tenant = await fetch(`${demo.apiUrl}${API_PATH.admin}/tenants/${DEMO_TENANT_ID}`, { headers: { Authorization: `Bearer ${e2e.operatorKey}` } });
  expect((await tenant.json()).allowedOrigins).toEqual([...demoOrigins(demo.siteUrl), "http://127.0.0.1:4999"]);
});

test("demo origins: the site's own, both loopback names, and DEMO_ORIGINS", () => {
  expect(demoOrigins("http://127.0.0.1:3001")).toEqual(["http://127.0.0.1:3001", "http://localhost:3001"]);
  expect(demoOrigins("http://0.0.0.0:3001", "https://demo.example, http://10.0.0.5:3001/")).toEqual([
    "http://localhost:3001",
    "http://127.0.0.1:3001",
    "https://demo.example",
    "http://10.0.0.5:3001",
  ]);
});
