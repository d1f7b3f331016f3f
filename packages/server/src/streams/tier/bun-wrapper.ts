/**
 * The few lines of our own that run inside the Bun child before `@prisma/streams-server`'s
 * `src/server.ts` (third-party code we do not patch on disk). `server-process.ts` runs
 * `bun -e <STREAMS_BUN_WRAPPER> <server.ts> <args>`: Bun's `-e` leaves `process.argv` as
 * `[bun, <server.ts>, ...args]`, exactly what `server.ts` expects, and the code travels with
 * this module (source and bundled `dist/` alike) instead of living in a file next to it.
 *
 * 1. Dies with its supervisor. The supervisor spawns the child with stdin as a pipe it never
 *    writes to nor closes; the kernel closes it when the supervisor exits, however it exits
 *    (SIGKILL included). At end-of-file the wrapper sends itself SIGTERM, so the server shuts
 *    down the way it does on a graceful stop, and exits hard after `STREAMS_ORPHAN_GRACE_MS`
 *    if that hangs. The pipe is `unref()`ed: it never keeps the process alive on its own, so a
 *    graceful stop ends exactly as before.
 * 2. Proves which process answers. `Bun.serve` is wrapped so that
 *    `GET STREAMS_INSTANCE_PATH` with the server's API key answers the per-start nonce from
 *    `OPEN_CHAT_STREAMS_INSTANCE`, and `reusePort` is forced off (a second server on a taken port
 *    fails with EADDRINUSE instead of sharing it). The supervisor reports "listening" only after
 *    its own nonce came back.
 */

/** Answers the nonce of the streams-server process behind the port (API key required). */
export const STREAMS_INSTANCE_PATH = "/__open-chat/instance";
/** Environment variable carrying the nonce into the child. */
export const STREAMS_INSTANCE_ENV = "OPEN_CHAT_STREAMS_INSTANCE";
/** How long an orphaned child may take to shut down gracefully before it exits hard. */
export const STREAMS_ORPHAN_GRACE_MS = 10_000;

/** Plain JavaScript for `bun -e`; see the module comment. */
export const STREAMS_BUN_WRAPPER = `/* open-chat streams wrapper (@open-chat/server, streams/tier/bun-wrapper.ts) */
const entry = process.argv[1];
const nonce = process.env.${STREAMS_INSTANCE_ENV} || "";
const authorization = process.env.API_KEY ? "Bearer " + process.env.API_KEY : undefined;

let orphaned = false;
const onParentGone = () => {
  if (orphaned) return;
  orphaned = true;
  console.error("open-chat: supervisor is gone (stdin closed), shutting down");
  setTimeout(() => process.exit(1), ${STREAMS_ORPHAN_GRACE_MS}).unref();
  process.kill(process.pid, "SIGTERM");
};
process.stdin.on("data", () => {});
process.stdin.on("end", onParentGone);
process.stdin.on("close", onParentGone);
process.stdin.on("error", onParentGone);
process.stdin.resume();
process.stdin.unref();

const serve = Bun.serve;
Bun.serve = function (options) {
  const handler = options.fetch;
  return serve.call(Bun, {
    ...options,
    reusePort: false,
    fetch(req, server) {
      if (nonce && req.method === "GET" && req.url.endsWith(${JSON.stringify(STREAMS_INSTANCE_PATH)})
          && new URL(req.url).pathname === ${JSON.stringify(STREAMS_INSTANCE_PATH)}
          && (authorization === undefined || req.headers.get("authorization") === authorization)) {
        return new Response(nonce, { headers: { "content-type": "text/plain", "cache-control": "no-store" } });
      }
      return handler.call(this, req, server);
    },
  });
};

await import(entry);
`;
