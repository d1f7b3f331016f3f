/**
 * Browser smoke test: the SDK bundled for the browser, on a page of another origin than the API
 * (like a widget on a customer's site), in real Chromium (playwright-core, /usr/bin/chromium,
 * never a downloaded browser). Guest sign-in across origins, a streamed answer, two tabs sharing
 * one connection, the offline outbox with the browser really offline, and a reload restoring
 * the stored snapshot.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { build } from "tsup";
import { afterAll, beforeAll, expect, test } from "vitest";
import { chromiumPath, launchChromium, startTestServer, type TestServer } from "@open-chat/testing";


let server: TestServer;
let site: http.Server;
let siteUrl: string;
let browser: Browser;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "open-chat-sdk-browser-"));
  await build({
    entry: { sdk: fileURLToPath(new URL("../../src/index.ts", import.meta.url)) },
    format: ["iife"],
    globalName: "OpenChat",
    platform: "browser",
    target: "es2022",
    noExternal: [/.*/],
    outDir,
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
  });
  const bundle = readFileSync(join(outDir, "sdk.global.js"), "utf8");
  site = http.createServer((req, res) => {
    if (req.url === "/sdk.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    res.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><title>customer site</title><script src="/sdk.js"></script>');
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  // "localhost" vs "127.0.0.1": another origin than the API, still a secure context (Web Locks).
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
  server = await startTestServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

type Win = typeof globalThis & { OpenChat: typeof import("../../src/index.js"); client: import("../../src/index.js").ChatClient; tail: import("../../src/index.js").ChatTail };

/** Loads the page (again) and opens the chat; returns its id and how many messages showed at `ready`. */
async function openClient(page: Page, chatId: string | null): Promise<{ id: string; shownAtReady: number }> {
  await page.goto(siteUrl);
  return page.evaluate(
    async ({ api, chatId }) => {
      const w = window as unknown as Win;
      w.client = w.OpenChat.createChatClient({ baseUrl: api, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
      const id = chatId ?? (await w.client.createChat({ title: "browser" })).id;
      w.tail = w.client.openChat(id);
      await w.tail.ready;
      return { id, shownAtReady: w.tail.state.messages.length };
    },
    { api: server.url, chatId },
  );
}

const summary = (page: Page) =>
  page.evaluate(() => {
    const { tail } = window as unknown as Win;
    return { messages: tail.state.messages.map((m) => [m.role, m.status, m.text.length]), connection: tail.connection, connects: tail.stats.connects };
  });

const waitAnswered = (page: Page, count: number) =>
  page.evaluate(async (count) => {
    const { tail } = window as unknown as Win;
    await tail.until((s) => s.messages.filter((m) => m.role === "assistant" && m.status === "completed").length === count);
  }, count);

test("in Chromium: stream, share between tabs, queue offline, restore after reload", { skip: !existsSync(chromiumPath()) }, async () => {
  const context = await browser.newContext();
  const tab1 = await context.newPage();
  const { id: chatId } = await openClient(tab1, null);
  await tab1.evaluate(async () => {
    const { client, tail } = window as unknown as Win;
    await client.send(tail.chatId, "hello from the browser [[tokens:30]] [[delay:3]]");
  });
  await waitAnswered(tab1, 1);
  const first = await summary(tab1);
  expect(first.messages.map(([role, status]) => [role, status])).toEqual([["user", "completed"], ["assistant", "completed"]]);
  expect(first.connection.leader).toBe(true);

  // A second tab on the same chat follows the first tab's connection.
  const tab2 = await context.newPage();
  await openClient(tab2, chatId);
  await tab2.evaluate(async () => {
    const { tail } = window as unknown as Win;
    await tail.until((s, c) => c.status === "live" && s.messages.length === 2);
  });
  const follower = await summary(tab2);
  expect(follower.connection.leader).toBe(false);
  expect(follower.connects).toBe(0);

  // Really offline: the send waits in the outbox, shown as pending in the sender's tab.
  await context.setOffline(true);
  await tab2.evaluate(async () => {
    const { client, tail } = window as unknown as Win;
    void client.send(tail.chatId, "sent while offline [[tokens:10]]");
    await tail.until((s) => s.pending.length === 1);
  });
  await tab1.evaluate(async () => {
    const { tail } = window as unknown as Win;
    await tail.until((_, c) => c.status === "offline");
  });
  await context.setOffline(false);
  await Promise.all([waitAnswered(tab1, 2), waitAnswered(tab2, 2)]);
  const [one, two] = await Promise.all([summary(tab1), summary(tab2)]);
  expect(two.messages).toEqual(one.messages);
  expect(one.messages.length).toBe(4);

  // Reload: the snapshot stored in localStorage shows at once, before any network read.
  await tab2.close();
  const reloaded = await openClient(tab1, chatId);
  expect(reloaded.shownAtReady).toBe(4);
  expect((await summary(tab1)).messages).toEqual(one.messages);
  await context.close();
});
