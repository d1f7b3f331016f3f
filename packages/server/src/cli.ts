/**
 * The `open-chat` command.
 *
 *   open-chat serve     the API server (embedded Postgres/streams/model unless configured)
 *   open-chat streams   a production Prisma Streams server under Bun (see streams/tier/serve.ts)
 *   open-chat migrate   apply database migrations to DATABASE_URL and exit
 */
import { configFromEnv } from "./config.js";
import { applyMigrations } from "./db/migrate.js";
import { startServer } from "./runtime.js";
import { serveStreamsFromEnv } from "./streams/tier/serve.js";

const USAGE = "usage: open-chat <serve|streams|migrate>";

async function main(command = "serve"): Promise<void> {
  switch (command) {
    case "serve": {
      const server = await startServer(configFromEnv());
      // A repeated signal skips the grace period: running answers are stopped now.
      onSignal(() => server.close(), () => server.services.generations.shutdown(0));
      return;
    }
    case "streams": {
      const streams = await serveStreamsFromEnv(process.env);
      onSignal(() => streams.stop());
      return;
    }
    case "migrate": {
      const connectionString = process.env.DATABASE_URL;
      if (!connectionString) throw new Error("DATABASE_URL is required for migrate");
      await applyMigrations({ connectionString });
      console.log("open-chat: migrations applied");
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
}

/**
 * SIGINT/SIGTERM, once or repeated (a terminal's Ctrl+C reaches the whole process group, and a
 * supervisor may add its own SIGTERM): the first starts a graceful stop, the next one hurries
 * it. Neither exits before running answers have their terminal event; only if closing them
 * hangs (e.g. the streams tier is down) do we exit after HARD_EXIT_MS and leave those answers
 * to lease takeover.
 */
const HARD_EXIT_MS = 15_000;

function onSignal(stop: () => Promise<unknown>, hurry?: () => Promise<unknown>) {
  let stopping = false;
  let hurried = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (hurried || !hurry) return;
        hurried = true;
        console.log(`open-chat: ${signal} again, stopping running answers now`);
        void hurry().catch(() => undefined);
        setTimeout(() => {
          console.error("open-chat: shutdown is taking too long; exiting, running answers are left to lease takeover");
          process.exit(1);
        }, HARD_EXIT_MS).unref();
        return;
      }
      stopping = true;
      console.log(`open-chat: ${signal}, shutting down`);
      stop().then(() => process.exit(0), (error) => {
        console.error(error);
        process.exit(1);
      });
    });
  }
}

main(process.argv[2]).catch((error) => {
  console.error("open-chat:", error instanceof Error ? error.message : error);
  process.exit(1);
});
