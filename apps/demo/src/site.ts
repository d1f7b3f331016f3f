/**
 * The demo site: plain HTML pages on their own origin (like a customer's website) that embed
 * the widget with one script tag, plus a custom frontend built on the SDK. Pages are served
 * with a strict Content-Security-Policy to show the widget needs no inline script or eval; the
 * API's URL and the site's publishable key reach them as attributes of the served HTML
 * (`%API_URL%`, `%PUBLISHABLE_KEY%`), never as an inline script.
 */
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { Hono } from "hono";

export interface SiteOptions {
  /** Where the Open Chat API listens (the widget's `api` attribute). */
  apiUrl: string;
  /** The demo site's publishable key (the widget's `publishable-key` attribute). */
  publishableKey: string;
  /** Folders served under /assets/, first match wins. */
  assetDirs: string[];
  /** Folder of the HTML pages. */
  pagesDir: string;
}

const PAGES: Record<string, string> = {
  "/": "index.html",
  "/inline": "inline.html",
  "/custom": "custom.html",
};

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export function createSite(options: SiteOptions) {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${new URL(options.apiUrl).origin}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  const app = new Hono();

  for (const [path, file] of Object.entries(PAGES)) {
    app.get(path, async (c) => {
      const html = (await readFile(join(options.pagesDir, file), "utf8")).replaceAll("%API_URL%", options.apiUrl).replaceAll("%PUBLISHABLE_KEY%", options.publishableKey);
      c.header("Content-Security-Policy", csp);
      c.header("Cache-Control", "no-store");
      return c.html(html);
    });
  }

  app.get("/assets/*", async (c) => {
    const relative = normalize(decodeURIComponent(c.req.path.slice("/assets/".length)));
    if (relative.startsWith("..") || relative.includes("\0")) return c.notFound();
    for (const dir of options.assetDirs) {
      const file = resolve(dir, relative);
      if (!file.startsWith(resolve(dir))) continue;
      const body = await readFile(file).catch(() => null);
      if (body) {
        return c.body(body, 200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" });
      }
    }
    return c.notFound();
  });
  return app;
}
