/**
 * Starts the whole demo: the Open Chat server (its own process, everything embedded unless
 * configured) and the demo site on its own origin, like a customer's website, with a site
 * (tenant) of its own on the server and that site's publishable key in its pages. Used by
 * `pnpm start`, the e2e tests and the screenshot script.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoOrigins, ensureDemoSite } from "./demo-site.js";
import { listen } from "./listen.js";
import { startServerProcess } from "./server-process.js";
import { createSite } from "./site.js";

export interface Demo {
  /** The Open Chat API, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  /** The demo site's origin, e.g. http://127.0.0.1:3001 */
  siteUrl: string;
  /** The demo site's publishable key (`pk_…`), in its pages. */
  publishableKey: string;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function startDemo(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Promise<Demo> {
  // The admin API needs an operator key: made here for this run unless one is configured.
  const operatorKey = env.OPERATOR_KEY || randomBytes(32).toString("base64url");
  // Every visitor of a local demo comes from 127.0.0.1: one address's sign-in limit would be
  // everyone's. Raised here (unless set); a real deployment keeps the server's default.
  const server = await startServerProcess({ RATE_SIGNINS_PER_MINUTE: "600", ...env, OPERATOR_KEY: operatorKey }, log);
  let site: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    // The site listens first: its origin (DEMO_PORT may be 0) goes into the tenant. Until its
    // key is known, it answers 503.
    let app: ReturnType<typeof createSite> | undefined;
    site = await listen((request) => app?.fetch(request) ?? new Response("starting", { status: 503 }), { host: env.HOST ?? "127.0.0.1", port: Number(env.DEMO_PORT ?? 3001) });
    const publishableKey = await ensureDemoSite({ apiUrl: server.url, operatorKey, origins: demoOrigins(site.url, env.DEMO_ORIGINS) });
    const widgetRoot = dirname(createRequire(import.meta.url).resolve("@open-chat/widget/package.json"));
    app = createSite({
      apiUrl: server.url,
      publishableKey,
      // From dist/ (built) and src/ (tests run the sources): pages live in public/.
      pagesDir: join(here, "..", "public"),
      assetDirs: [join(widgetRoot, "dist", "cdn"), join(here, "..", "dist", "site"), join(here, "..", "public")],
    });
    const running = site;
    return {
      apiUrl: server.url,
      siteUrl: running.url,
      publishableKey,
      async close() {
        await running.close();
        await server.stop();
      },
    };
  } catch (error) {
    await site?.close();
    await server.stop();
    throw error;
  }
}
