/**
 * How a serving process stops: the first request starts a graceful stop, a later "hurry" stops
 * running answers now. Neither exits before running answers have their terminal event; only if
 * closing them hangs (e.g. the streams tier is down) do we exit after HARD_EXIT_MS and leave those
 * answers to lease takeover.
 *
 * A stop is idempotent, so a process that hears the same stop twice (a worker gets the terminal's
 * Ctrl+C through its process group and again from its supervisor) stops once, gracefully.
 */
const HARD_EXIT_MS = 15_000;

export interface Shutdown {
  readonly stopping: boolean;
  /** Starts the graceful stop (once); `reason` goes into the log line, e.g. "SIGTERM". */
  stop(reason: string): void;
  /** Stops running answers now (starts the stop first if it has not begun). */
  hurry(reason: string): void;
}

/** `name` prefixes the log lines ("open-chat", "open-chat worker 2"). */
export function createShutdown(name: string, stop: () => Promise<unknown>, hurry?: () => Promise<unknown>): Shutdown {
  let stopping = false;
  let hurried = false;
  const shutdown: Shutdown = {
    get stopping() {
      return stopping;
    },
    stop(reason) {
      if (stopping) return;
      stopping = true;
      console.log(`${name}: ${reason}, shutting down`);
      stop().then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
    },
    hurry(reason) {
      if (!stopping) shutdown.stop(reason);
      if (hurried || !hurry) return;
      hurried = true;
      console.log(`${name}: ${reason}, stopping running answers now`);
      void hurry().catch(() => undefined);
      setTimeout(() => {
        console.error(`${name}: shutdown is taking too long; exiting, running answers are left to lease takeover`);
        process.exit(1);
      }, HARD_EXIT_MS).unref();
    },
  };
  return shutdown;
}

/** What {@link startingServerShutdown} stops: a started server (runtime.ts) or the shape of one. */
export interface StoppableServer {
  close(): Promise<unknown>;
  services: { generations: { shutdown(graceMs: number): Promise<unknown> } };
}

/**
 * The shutdown of a server that may still be starting: a stop asked before `starting` resolved
 * waits for it, then closes what it opened (installed before the start, the signal handlers
 * never leave the default action to kill a process with its embedded folders locked).
 */
export function startingServerShutdown(name: string, starting: Promise<StoppableServer>): Shutdown {
  return createShutdown(
    name,
    async () => (await starting).close(),
    async () => (await starting).services.generations.shutdown(0),
  );
}

/**
 * SIGINT/SIGTERM, once or repeated (a terminal's Ctrl+C reaches the whole process group, and a
 * supervisor may add its own SIGTERM): the first stops gracefully; with `repeatHurries` (the
 * default) the next one hurries. A cluster worker passes false: only its primary hurries it.
 */
export function stopOnSignals(shutdown: Shutdown, { repeatHurries = true }: { repeatHurries?: boolean } = {}): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (!shutdown.stopping) shutdown.stop(signal);
      else if (repeatHurries) shutdown.hurry(`${signal} again`);
    });
  }
}
