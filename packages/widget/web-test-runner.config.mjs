// Component tests in real Chromium (Debian's /usr/bin/chromium; no browser download) against a
// real Open Chat server started here, on the node side, for the whole run. The browser reads
// the server's URL from /__open-chat/config.json. /__hit/* counts requests (the XSS suite
// points hostile URLs at it) and /__hits reports the counts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { build } from "esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { startBackend } from "./test/server/backend.mjs";

const userDataDir = mkdtempSync(join(tmpdir(), "open-chat-chromium-"));
const GIF = Buffer.from("R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==", "base64");

function openChatBackend() {
  let backend;
  const hits = new Map();
  return {
    name: "open-chat-backend",
    async serverStart() {
      backend = await startBackend();
    },
    async serverStop() {
      await backend?.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
    serve(context) {
      if (context.path === "/__open-chat/config.json") return { body: JSON.stringify({ api: backend.url }), type: "json" };
      if (context.path.startsWith("/__hit/")) {
        hits.set(context.path, (hits.get(context.path) ?? 0) + 1);
        context.set("access-control-allow-origin", "*");
        return { body: GIF, type: "image/gif" };
      }
      if (context.path === "/__hits") {
        const body = JSON.stringify(Object.fromEntries(hits));
        if (context.query.reset !== undefined) hits.clear();
        return { body, type: "json" };
      }
      return undefined;
    },
  };
}

/**
 * highlight.js's ESM build re-exports its CommonJS core, which a browser cannot import
 * unbundled: serve the widget's lazy highlight chunk (src/markdown/languages.ts) pre-bundled,
 * the way the real build ships it.
 */
function bundledHighlighter() {
  return {
    name: "bundled-highlighter",
    async serve(context) {
      if (!/\/packages\/widget\/src\/markdown\/languages\.(ts|js)$/.test(context.path)) return undefined;
      const result = await build({ entryPoints: [new URL("./src/markdown/languages.ts", import.meta.url).pathname], bundle: true, format: "esm", write: false, logLevel: "silent" });
      return { body: result.outputFiles[0].text, type: "js" };
    },
  };
}

export default {
  rootDir: "../..",
  files: ["test/browser/**/*.test.ts"],
  nodeResolve: { exportConditions: ["production"] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  plugins: [bundledHighlighter(), esbuildPlugin({ ts: true, target: "es2022" }), openChatBackend()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-dev-shm-usage",
          `--user-data-dir=${userDataDir}`,
        ],
      },
    }),
  ],
};
