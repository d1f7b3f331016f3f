/**
 * `open-chat serve`: one server in this process, or — with DATABASE_URL and STREAMS_URL and
 * WORKERS other than 1 (cluster-plan.ts) — a primary that supervises that many worker processes
 * on one port. The primary loads only the configuration and the supervisor, not the server.
 */
import cluster from "node:cluster";
import { mkdirSync } from "node:fs";
import { loadOrCreateSecret } from "../auth/secret.js";
import { dataDirLayout, encryptionKeyOf } from "../data-dir.js";
import { configFromEnv } from "../config.js";
import { workerPlan } from "../cluster-plan.js";
import { startingServerShutdown, stopOnSignals } from "./signals.js";

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = configFromEnv(env);
  if (cluster.isWorker) {
    const { runWorker } = await import("../cluster-worker.js");
    return runWorker(config, env);
  }
  const plan = workerPlan(env, config);
  if (plan.note) console.log(`open-chat: ${plan.note}`);
  if (plan.workers > 1) {
    // Keys kept in DATA_DIR are made here, once: workers creating them at the same time would
    // each make their own (a session signed by one worker would fail on the other).
    mkdirSync(dataDirLayout(config.dataDir).root, { recursive: true });
    if (!config.authSecret) loadOrCreateSecret(dataDirLayout(config.dataDir).authSecret);
    encryptionKeyOf(config);
    const { superviseWorkers } = await import("../cluster-primary.js");
    return superviseWorkers({ workers: plan.workers, ...(config.metrics ? { metrics: config.metrics } : {}) });
  }
  const { startServer } = await import("../runtime.js");
  // Heard from the start on: a SIGINT/SIGTERM while the server starts waits for the start and
  // closes what it opened. Left to the default action it killed the process with the embedded
  // folders locked, and a restart within the next second found them "in use".
  const starting = startServer(config);
  stopOnSignals(startingServerShutdown("open-chat", starting));
  await starting;
}
