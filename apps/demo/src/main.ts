/**
 * `pnpm start`: the Open Chat server with everything embedded (PGlite, streams-local, and the
 * local model server unless a provider key is set) plus the demo site on a second port.
 *
 *   PORT       API port (default 3000)
 *   DEMO_PORT  demo site port (default 3001)
 *   DEMO_ORIGINS  more origins the demo site is reached at (comma-separated; default: its own)
 *   RATE_SIGNINS_PER_MINUTE  guest sign-ins per address per minute (default here 600: every local
 *             visitor is 127.0.0.1; the server's own default is 30)
 *   OPERATOR_KEY  the admin API's key (default: a new one each start, used to set up the
 *                 demo's tenant and publishable key, which are printed)
 *   + every server variable (DATA_DIR, DATABASE_URL, STREAMS_URL, OPENROUTER_API_KEY, …)
 *
 * Ctrl+C in a terminal sends SIGINT to the whole process group, so the server process gets it
 * directly as well as our SIGTERM; it closes its running answers either way (see the server's
 * README, "Shutdown"). Repeated signals never make us leave before the server has exited.
 */
import { startDemo } from "./demo.js";

const demo = await startDemo();
const site = demo.siteUrl;
console.log(`open-chat demo: API ${demo.apiUrl}, site ${site}/ (launcher)  ${site}/inline  ${site}/custom (SDK + TanStack DB)`);
console.log(`open-chat demo: the demo site is tenant "demo", publishable key ${demo.publishableKey}`);

let closing: Promise<void> | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = demo.close().then(
      () => {
        console.log("open-chat demo: stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error("open-chat demo: shutdown failed:", error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  });
}
