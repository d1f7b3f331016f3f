/**
 * The `open-chat` command.
 *
 *   open-chat serve     the API server (embedded Postgres/streams/model unless configured)
 *   open-chat streams   a production Prisma Streams server under Bun (see streams/serve.ts)
 *   open-chat migrate   apply database migrations to DATABASE_URL and exit
 */
import { configFromEnv } from "./config.js";
import { applyMigrations } from "./db/migrate.js";
import { startServer } from "./runtime.js";
import { serveStreamsFromEnv } from "./streams/serve.js";

const USAGE = "usage: open-chat <serve|streams|migrate>";

async function main(command = "serve"): Promise<void> {
  switch (command) {
    case "serve": {
      const server = await startServer(configFromEnv());
      onSignal(() => server.close());
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

function onSignal(stop: () => Promise<unknown>) {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1); // a second signal: give up waiting
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
