/**
 * `pnpm start`: the Open Chat server with everything embedded (PGlite, streams-local, and the
 * local model server unless a provider key is set) plus the demo site on a second port.
 *
 *   PORT       API port (default 3000)
 *   DEMO_PORT  demo site port (default 3001)
 *   + every server variable (DATA_DIR, DATABASE_URL, STREAMS_URL, OPENROUTER_API_KEY, …)
 */
import { startDemo } from "./demo.js";

const demo = await startDemo();
const site = demo.siteUrl;
console.log(`open-chat demo: API ${demo.apiUrl}, site ${site}/ (launcher)  ${site}/inline  ${site}/custom (SDK + TanStack DB)`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    demo.close().then(() => process.exit(0), () => process.exit(1));
  });
}
