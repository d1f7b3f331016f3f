/**
 * The `open-chat` command.
 *
 *   open-chat serve     the API server (embedded Postgres/streams/model unless configured)
 *   open-chat streams   a production Prisma Streams server under Bun (see streams/tier/serve.ts)
 *   open-chat migrate   apply database migrations to DATABASE_URL and exit
 *   open-chat tenant|key|user|usage|credits|feedback …   operator commands on the server's data (cli/operator.ts)
 *
 * Each command loads only its own modules, so an operator command starts without the HTTP stack.
 */
const USAGE = [
  "usage: open-chat <command>",
  "  serve | streams | migrate",
  "  tenant create|show|list|update   key create|revoke|list   user delete   usage   credits grant|show|checkout   feedback list",
  "  (--help after any of them)",
].join("\n");

async function main(command = "serve", args: string[] = []): Promise<void> {
  switch (command) {
    case "serve": {
      const [{ configFromEnv }, { startServer }] = await Promise.all([import("./config.js"), import("./runtime.js")]);
      const server = await startServer(configFromEnv());
      // A repeated signal skips the grace period: running answers are stopped now.
      onSignal(() => server.close(), () => server.services.generations.shutdown(0));
      return;
    }
    case "streams": {
      const { serveStreamsFromEnv } = await import("./streams/tier/serve.js");
      const streams = await serveStreamsFromEnv(process.env);
      onSignal(() => streams.stop());
      return;
    }
    case "migrate": {
      const { applyMigrations } = await import("./db/migrate.js");
      const connectionString = process.env.DATABASE_URL;
      if (!connectionString) throw new Error("DATABASE_URL is required for migrate");
      await applyMigrations({ connectionString });
      console.log("open-chat: migrations applied");
      return;
    }
    case "tenant":
    case "key":
    case "user":
    case "usage":
    case "credits":
    case "feedback": {
      const { runOperatorCommand } = await import("./cli/operator.js");
      exitWhenFlushed(await runOperatorCommand([command, ...args]));
      return;
    }
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return;
    default:
      console.error(`open-chat: unknown command "${command}"\n${USAGE}`);
      process.exitCode = 2;
  }
}

/**
 * An operator command is done once its output is written: exit then, even if a library left a
 * timer or socket behind, but not before stdout and stderr have flushed (pipes may be async).
 */
function exitWhenFlushed(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
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

main(process.argv[2], process.argv.slice(3)).catch((error) => {
  console.error("open-chat:", error instanceof Error ? error.message : error);
  process.exit(1);
});
