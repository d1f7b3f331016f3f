/**
 * Starts the whole demo: the Open Chat server (its own process, everything embedded unless
 * configured) and the demo site on its own origin, like a customer's website. Used by
 * `pnpm start`, the e2e tests and the screenshot script.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listen } from "./listen.js";
import { startServerProcess } from "./server-process.js";
import { createSite } from "./site.js";

export interface Demo {
  /** The Open Chat API, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  /** The demo site's origin, e.g. http://127.0.0.1:3001 */
  siteUrl: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function startDemo(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Promise<Demo> {
  const server = await startServerProcess(env, log);
  try {
    const widgetRoot = dirname(createRequire(import.meta.url).resolve("@open-chat/widget/package.json"));
    const app = createSite({
      apiUrl: server.url,
      // From dist/ (built) and src/ (tests run the sources): pages live in public/.
      pagesDir: join(here, "..", "public"),
      assetDirs: [join(widgetRoot, "dist", "cdn"), join(here, "..", "dist", "site"), join(here, "..", "public")],
    });
    const site = await listen(app.fetch, { host: env.HOST ?? "127.0.0.1", port: Number(env.DEMO_PORT ?? 3001) });
    return {
      apiUrl: server.url,
      siteUrl: site.url,
      async close() {
        await site.close();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
