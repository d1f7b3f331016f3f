/**
 * The script-tag bundle under a strict Content Security Policy: a page served with
 * `Content-Security-Policy: script-src 'self'; style-src 'self'` embeds `<open-chat>` (inline and
 * launcher), Chromium (playwright-core, Debian's /usr/bin/chromium) drives it against a real
 * server, and the page records every `securitypolicyviolation`. None may occur, and messages
 * must round-trip — including the lazily loaded view and highlight.js chunks.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { build } from "esbuild";
import { launchChromium, markdownReply, scriptedMarkdown, startTestServer, type TestServer } from "@open-chat/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cdnOptions, root } from "../scripts/cdn.mjs";

const CSP = "script-src 'self'; style-src 'self'";
const TYPES: Record<string, string> = { ".js": "text/javascript", ".html": "text/html", ".map": "application/json", ".txt": "text/plain" };

const recorder = `window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile });
});`;

const page = (api: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Strict CSP</title>
  <script src="/violations.js"></script>
  <script type="module" src="/open-chat.js"></script>
</head>
<body>
  <main>
    <h1>Strict CSP host page</h1>
    <open-chat id="inline" api="${api}" mode="inline" title="Inline chat"></open-chat>
  </main>
  <open-chat id="launcher" api="${api}" title="Launcher chat"></open-chat>
</body>
</html>`;

describe("strict CSP (script-src 'self'; style-src 'self')", () => {
  let backend: TestServer;
  let site: Server;
  let siteUrl: string;
  let bundleDir: string;
  let browser: Browser;
  let tab: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    backend = await startTestServer({ model: { defaultReply: markdownReply } });
    bundleDir = mkdtempSync(join(tmpdir(), "open-chat-csp-bundle-"));
    await build({ ...cdnOptions(), absWorkingDir: root, outdir: bundleDir, sourcemap: "linked", logLevel: "silent" });
    site = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP });
        return res.end(page(backend.url));
      }
      if (path === "/favicon.ico") return res.writeHead(204).end();
      if (path === "/violations.js") {
        res.writeHead(200, { "content-type": "text/javascript" });
        return res.end(recorder);
      }
      const file = normalize(join(bundleDir, path));
      try {
        if (!file.startsWith(bundleDir)) throw new Error("outside");
        const body = readFileSync(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    browser = await launchChromium(); // Playwright makes (and removes) its own fresh profile directory
    tab = await browser.newPage();
    tab.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    tab.on("pageerror", (error) => consoleErrors.push(String(error)));
    const response = await tab.goto(siteUrl);
    expect(response?.headers()["content-security-policy"]).toBe(CSP);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await backend?.close();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  const violations = () => tab.evaluate(() => (window as unknown as { __violations: unknown[] }).__violations);

  it("styles the shell and the view through adopted stylesheets", async () => {
    const launcher = tab.locator("#launcher [part=launcher]");
    await expect.poll(() => launcher.evaluate((el) => getComputedStyle(el).position)).toBe("fixed");
    expect(await launcher.evaluate((el) => getComputedStyle(el).borderRadius)).toBe("50%");
    const header = tab.locator("#inline [part=header]");
    await header.waitFor();
    expect(await header.evaluate((el) => getComputedStyle(el).display)).toBe("flex");
    expect(await tab.evaluate(() => document.querySelectorAll("style").length)).toBe(0);
  });

  it("round-trips a message in inline mode", async () => {
    const input = tab.locator("#inline textarea");
    await input.fill("hello under CSP");
    await input.press("Enter");
    const answer = tab.locator("#inline open-chat-message article.assistant.completed");
    await answer.waitFor({ timeout: 20_000 });
    expect(await answer.textContent()).toContain('You said: "hello under CSP"');
    expect(await tab.locator("#inline open-chat-message article.user .saved").count()).toBe(1);
  });

  it("renders markdown with highlighted code (the lazy highlight.js chunk)", async () => {
    const input = tab.locator("#inline textarea");
    await input.fill(scriptedMarkdown("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconst x = 1;\n```"));
    await input.press("Enter");
    const keyword = tab.locator("#inline open-chat-message article.assistant.completed code.hljs .hljs-keyword");
    await keyword.waitFor({ timeout: 20_000 });
    expect(await keyword.textContent()).toBe("const");
    // The token colours come with the highlight.js chunk (an adopted sheet): a keyword is not in the code's colour.
    expect(await keyword.evaluate((el) => getComputedStyle(el).color)).not.toBe(await keyword.evaluate((el) => getComputedStyle(el.closest("code")!).color));
  });

  it("renders GFM and raw HTML as the sources do, with this build's lean micromark (scripts/micromark-lean.mjs, gfm-chunk.mjs)", async () => {
    const input = tab.locator("#inline textarea");
    await input.fill(scriptedMarkdown("<div>\n**bold** and <b>tag</b>\n</div>\n\n| k | v |\n|---|---|\n| 1 | ~~2~~ |\n\nA note[^1].\n\n[^1]: The note."));
    await input.press("Enter");
    const answer = tab.locator("#inline open-chat-message article.assistant.completed", { hasText: "The note" });
    await answer.waitFor({ timeout: 20_000 });
    // Raw HTML is text; the markdown around it renders (no HTML block swallows it).
    expect(await answer.locator(".md strong").first().textContent()).toBe("bold");
    expect(await answer.locator(".md b").count()).toBe(0);
    expect(await answer.locator(".md p").first().textContent()).toContain("<b>tag</b>");
    // GFM (its chunk with its own micromark helpers): a table in its scrolling region (the chunk's styles), strikethrough, a footnote.
    const region = answer.locator(".table-scroll");
    expect(await region.evaluate((el) => getComputedStyle(el).overflowX)).toBe("auto");
    expect(await region.locator("td del").textContent()).toBe("2");
    expect(await answer.locator("button.fn-ref").count()).toBe(1);
  });

  it("opens the launcher (loading the full element) and round-trips a message", async () => {
    await tab.locator("#launcher [part=launcher]").click();
    const input = tab.locator("#launcher textarea");
    await input.waitFor();
    await expect.poll(() => tab.evaluate(() => document.activeElement?.id)).toBe("launcher");
    await input.fill("launcher under CSP");
    await input.press("Enter");
    // Same guest, same remembered chat as the inline element: find this turn's answer.
    const answer = tab.locator("#launcher open-chat-message article.assistant.completed", { hasText: 'You said: "launcher under CSP"' });
    await answer.waitFor({ timeout: 20_000 });
    await input.press("Escape");
    await expect.poll(() => tab.locator("#launcher [part=panel]").isHidden()).toBe(true);
  });

  it("caused no CSP violation and no console error", async () => {
    expect(await violations()).toEqual([]);
    expect(consoleErrors.filter((text) => /Content Security Policy|Refused to/i.test(text))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
