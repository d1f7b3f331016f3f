/**
 * The `open-chat` command.
 *
 *   open-chat serve     the API server (embedded Postgres/streams/model unless configured; with
 *                       DATABASE_URL and STREAMS_URL, WORKERS processes on one port: cli/serve.ts)
 *   open-chat streams   a production Prisma Streams server under Bun (see streams/tier/serve.ts)
 *   open-chat migrate   apply database migrations to DATABASE_URL and exit
 *   open-chat tenant|key|user|usage|credits|feedback …   operator commands on the server's data (cli/operator.ts)
 *
 * Each command loads only its own modules, so an operator command starts without the HTTP stack.
 */
import module from "node:module";

// Node's on-disk compile cache (Node >= 22.1; in the OS temp folder, NODE_COMPILE_CACHE moves it,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off): every start after the first skips most parsing and
// compiling of our modules and dependencies, ~0.3-0.5 s of a start's CPU. Enabled before any of
// them loads (this file imports them all dynamically).
module.enableCompileCache?.();

const USAGE = [
  "usage: open-chat <command>",
  "  serve | streams | migrate",
  "  tenant create|show|list|update   key create|revoke|list   user delete   usage   credits grant|show|checkout   feedback list",
  "  (--help after any of them)",
].join("\n");

async function main(command = "serve", args: string[] = []): Promise<void> {
  switch (command) {
    case "serve": {
      // First thing: this may replace the process with itself plus V8 flags that only count at
      // start-up (same pid), so nothing is opened or printed before it.
      const { heapSemiSpaceMb, restartWithStartFlags } = await import("./cli/v8-start-flags.js");
      restartWithStartFlags(heapSemiSpaceMb(process.env));
      const { serve } = await import("./cli/serve.js");
      await serve();
      return;
    }
    case "streams": {
      const { serveStreamsFromEnv } = await import("./streams/tier/serve.js");
      const [streams, { createShutdown, stopOnSignals }] = await Promise.all([serveStreamsFromEnv(process.env), import("./cli/signals.js")]);
      stopOnSignals(createShutdown("open-chat", () => streams.stop()));
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

main(process.argv[2], process.argv.slice(3)).catch((error) => {
  console.error("open-chat:", error instanceof Error ? error.message : error);
  process.exit(1);
});
