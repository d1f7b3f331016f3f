/**
 * One worker of a cluster (cluster-primary.ts): a full server (runtime.ts) on the port the
 * workers share. Differences from a single process:
 * - its lease-holder id is unique per worker start (HOLDER_ID, when set, gets `-w<slot>-<pid>`):
 *   a holder renews every lease under its id, so two processes must never share one;
 * - only slot 0 runs the periodic jobs that once per deployment suffices for (guest purge,
 *   stale credit holds); the lease sweeper runs in every worker, so the survivors take a dead
 *   worker's answers over at once (its compare-and-set lets one process win each lease);
 * - its start-up log goes to the primary, which prints one banner;
 * - its metrics (METRICS_PORT) go to the primary too, which serves their sum;
 * - it stops when its primary says so (a direct SIGINT/SIGTERM stops it too, once); it hurries
 *   only when the primary says so. If the primary dies, Node's cluster ends the worker.
 */
import { isWorkerCommand, WORKER_INDEX_ENV, type WorkerReady } from "./cluster-messages.js";
import type { ServerConfig } from "./config.js";
import { startingServerShutdown, stopOnSignals } from "./cli/signals.js";
import { startServer } from "./runtime.js";

export async function runWorker(config: ServerConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const index = Number(env[WORKER_INDEX_ENV] ?? 0);
  const holder = env.HOLDER_ID ? `${env.HOLDER_ID}-w${index + 1}-${process.pid}` : config.settings.holder;
  const lines: string[] = [];
  let started = false;
  const starting = startServer({ ...config, settings: { ...config.settings, holder } }, (line) => lines.push(line), { periodicJobs: index === 0, metricsToPrimary: true });
  // Signals are heard from the start on (as in cli/serve.ts): one during the start closes what it opened.
  const shutdown = startingServerShutdown(`open-chat worker ${index + 1}`, starting);
  stopOnSignals(shutdown, { repeatHurries: false });
  process.on("message", (message: unknown) => {
    if (!isWorkerCommand(message)) return;
    // Asked to stop while still starting (another worker failed its start): nothing serves yet.
    if (!started) process.exit(0);
    else if (message.type === "open-chat:stop") shutdown.stop(message.reason);
    else shutdown.hurry(message.reason);
  });
  await starting;
  started = true;
  const ready: WorkerReady = { type: "open-chat:ready", lines, holder };
  process.send?.(ready);
}
