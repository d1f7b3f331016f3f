/**
 * Takes the README's screenshots of the demo in Debian's Chromium: launcher closed and open
 * (light and dark), the open panel in German and in Arabic (right to left), and the inline page
 * with a regenerated answer ("‹ 2/2 ›"), each after a real answer streamed from the local model.
 * Run: pnpm --filter @open-chat/demo screenshots   (writes docs/*.png at the repo root)
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startE2E } from "../test/helpers.js";

const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
const e2e = await startE2E();

async function converse(page: Page, question = "What should I pack for a weekend hike?") {
  const input = page.locator("open-chat textarea");
  await input.fill(`${question} [[tokens:60]]`);
  await input.press("Enter");
  await page.locator("open-chat article.msg.assistant.completed").waitFor({ timeout: 30_000 });
}

try {
  for (const scheme of ["light", "dark"] as const) {
    const context = await e2e.browser.newContext({ colorScheme: scheme, viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${e2e.demo.siteUrl}/`);
    await page.locator("open-chat button.launcher").waitFor();
    await page.screenshot({ path: join(docs, `launcher-closed-${scheme}.png`) });
    await page.locator("open-chat button.launcher").click();
    await converse(page);
    await page.screenshot({ path: join(docs, `launcher-open-${scheme}.png`) });
    await context.close();
  }
  const questions = { de: "Was packe ich für eine Wanderung am Wochenende ein?", ar: "ماذا أحزم لرحلة مشي في نهاية الأسبوع؟" };
  for (const locale of ["de", "ar"] as const) {
    const context = await e2e.browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${e2e.demo.siteUrl}/`);
    await page.locator("open-chat button.launcher").waitFor();
    // The demo site words its title, greeting and placeholder in English: let the locale's table speak.
    await page.evaluate((tag) => {
      const chat = document.querySelector("open-chat")!;
      for (const name of ["title", "placeholder", "greeting"]) chat.removeAttribute(name);
      chat.setAttribute("locale", tag);
    }, locale);
    await page.locator("open-chat button.launcher").click();
    await converse(page, questions[locale]);
    await page.screenshot({ path: join(docs, `launcher-open-${locale}.png`) });
    await context.close();
  }
  const context = await e2e.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${e2e.demo.siteUrl}/inline`);
  await converse(page);
  // Regenerate the answer: the old one stays as version 1 of 2.
  await page.locator("open-chat [part=regenerate-button]").last().click();
  await page.locator("open-chat [part=version-index]").filter({ hasText: "2/2" }).last().waitFor({ timeout: 30_000 });
  await page.locator("open-chat article.msg.assistant.completed").last().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(docs, "inline.png"), fullPage: true });
  await context.close();
  console.log(`screenshots written to ${docs}`);
} finally {
  await e2e.close();
}
