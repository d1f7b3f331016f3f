/**
 * The primary of `open-chat serve` with several workers (Node `cluster`, one port shared by
 * every worker). It serves nothing itself; it
 * - forks `workers` full servers (cluster-worker.ts) and prints one banner once all listen;
 * - replaces a worker that dies (its running answers are taken over through their leases by the
 *   other workers or by the replacement, which keeps the slot and so the periodic jobs of slot 0);
 * - on SIGINT/SIGTERM asks every worker to drain (a repeated signal hurries them) and exits once
 *   all have exited: 0 when every worker stopped cleanly;
 * - with METRICS_PORT, serves the sum of every worker's metrics there (metrics/metrics-server.ts).
 * A worker that exits before the first banner is a configuration or start-up error: the primary
 * stops the others and exits 1 instead of restarting it in a loop. Later, a replacement that dies
 * soon after its start (say Postgres is down) is started again after a pause.
 */
import cluster, { type Worker } from "node:cluster";
import { WORKER_INDEX_ENV, isWorkerReady, type WorkerCommand } from "./cluster-messages.js";
import type { MetricsListenerConfig } from "./config.js";

export interface SuperviseOptions {
  workers: number;
  /** METRICS_PORT's listener, served here (not by the workers). */
  metrics?: MetricsListenerConfig;
  /** Default console.log. */
  log?: (line: string) => void;
}

/** A replacement for a worker that died this soon after it started waits a moment (no tight crash loop). */
const EARLY_DEATH_MS = 5_000;
const RESTART_DELAY_MS = 1_000;

interface Slot {
  worker: Worker;
  startedAt: number;
  ready: boolean;
}

export function superviseWorkers({ workers, metrics, log = console.log }: SuperviseOptions): void {
  const slots: Slot[] = [];
  let everyoneReady = false;
  let stopping = false;
  let hurried = false;
  let failed = false;

  function fork(index: number): void {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    const slot: Slot = { worker, startedAt: Date.now(), ready: false };
    slots[index] = slot;
    worker.on("message", (message: unknown) => {
      if (!isWorkerReady(message)) return;
      slot.ready = true;
      if (everyoneReady) log(`open-chat: worker ${index + 1} ready again (pid ${worker.process.pid}, lease holder ${message.holder})`);
      else if (slots.length === workers && slots.every((s) => s.ready)) printBanner(message.lines);
    });
    worker.on("exit", (code, signal) => onExit(index, slot, code, signal));
  }

  function printBanner(lines: string[]): void {
    everyoneReady = true;
    const pids = slots.map((s) => s.worker.process.pid).join(", ");
    for (const line of lines) log(/listening on/.test(line) ? `${line}; ${workers} workers (pids ${pids})` : line.replace("in this process", "in each worker"));
    if (metrics) void serveClusterMetrics(metrics);
  }

  /** Once every worker is up: a scrape before would fail waiting for the ones still starting. */
  async function serveClusterMetrics(listener: MetricsListenerConfig): Promise<void> {
    try {
      const { clusterText, listenMetrics } = await import("./metrics/metrics-server.js");
      const served = await listenMetrics({ ...listener, collect: clusterText() });
      log(`open-chat: metrics of all ${workers} workers on ${served.shown}`);
    } catch (error) {
      log(`open-chat: the metrics listener could not start (${(error as Error).message}); stopping`);
      stopAll("the metrics listener failed");
    }
  }

  function onExit(index: number, slot: Slot, code: number | null, signal: string | null): void {
    const how = signal ?? `code ${code}`;
    if (code !== 0) failed = true;
    if (stopping) {
      if (slots.every((s) => s.worker.isDead())) process.exit(failed ? 1 : 0);
      return;
    }
    if (!slot.ready && !everyoneReady) {
      log(`open-chat: worker ${index + 1} exited during start-up (${how}); stopping`);
      stopAll("a worker failed to start");
      return;
    }
    const delay = Date.now() - slot.startedAt < EARLY_DEATH_MS ? RESTART_DELAY_MS : 0;
    log(`open-chat: worker ${index + 1} (pid ${slot.worker.process.pid}) exited (${how}); starting a new one — its running answers are taken over through their leases`);
    setTimeout(() => {
      if (!stopping) fork(index);
    }, delay);
  }

  function send(command: WorkerCommand): void {
    for (const { worker } of slots) if (!worker.isDead() && worker.isConnected()) worker.send(command);
  }

  function stopAll(reason: string): void {
    failed ||= reason !== "SIGINT" && reason !== "SIGTERM";
    if (!stopping) {
      stopping = true;
      log(`open-chat: ${reason}, shutting down ${workers} workers`);
      send({ type: "open-chat:stop", reason });
    } else if (!hurried) {
      hurried = true;
      log(`open-chat: ${reason} again, the workers stop running answers now`);
      send({ type: "open-chat:hurry", reason: `${reason} again` });
    }
    if (slots.every((s) => s.worker.isDead())) process.exit(failed ? 1 : 0);
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stopAll(signal));
  for (let index = 0; index < workers; index++) fork(index);
}
