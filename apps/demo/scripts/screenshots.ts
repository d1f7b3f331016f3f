/**
 * Takes the README's screenshots of the demo in Debian's Chromium: launcher closed and open
 * (light and dark) and the inline page, each after a real answer streamed from the local model.
 * Run: pnpm --filter @open-chat/demo screenshots   (writes docs/*.png at the repo root)
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startE2E } from "../test/helpers.js";

const docs = fileURLToPath(new URL("../../../docs/", import.meta.url));
const e2e = await startE2E();

async function converse(page: Page) {
  const input = page.locator("open-chat textarea");
  await input.fill("What should I pack for a weekend hike? [[tokens:60]]");
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
  const context = await e2e.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${e2e.demo.siteUrl}/inline`);
  await converse(page);
  await page.screenshot({ path: join(docs, "inline.png"), fullPage: true });
  await context.close();
  console.log(`screenshots written to ${docs}`);
} finally {
  await e2e.close();
}
