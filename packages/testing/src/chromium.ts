/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium (or $CHROME_PATH), never a
 * downloaded browser, with flags that keep it quiet and offline-friendly on CI machines.
 */
import { chromium, type Browser, type LaunchOptions } from "playwright-core";
import { makeTempDir, removeDir } from "./temp-dir.js";

export const CHROMIUM_FLAGS: readonly string[] = [
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

/** $CHROME_PATH, else /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROME_PATH ?? "/usr/bin/chromium";
}

/** Launches Chromium through playwright-core (which makes, and removes on close, a fresh profile folder). */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, ...options, args: [...CHROMIUM_FLAGS, ...(options.args ?? [])] });
}

/**
 * Launch options for runners that take raw Chrome options (Web Test Runner's `chromeLauncher`):
 * the same flags plus a fresh `--user-data-dir`, which `removeProfile()` deletes afterwards.
 */
export function chromiumLaunchOptions(): { executablePath: string; headless: true; args: string[]; removeProfile(): void } {
  const profile = makeTempDir("open-chat-chromium-");
  return {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    removeProfile: () => removeDir(profile),
  };
}
