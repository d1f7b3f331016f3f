/**
 * The systems under load, each started fresh per step (fresh database, fresh data folders) so
 * one step's backlog never leaks into the next:
 * - `proxy`: the non-durable pass-through baseline (proxy.ts), long-lived;
 * - `bun`: the app against the production streams tier (`open-chat streams`: Bun streams-server,
 *   `DS_INGEST_CONCURRENCY=64 DS_INGEST_FLUSH_MS=1`), plus the tier's own append floor;
 * - `embedded`: the app with streams-local inside its own process (the one-command default).
 * Both app configurations use Postgres (a fresh database per step).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createBenchDatabase } from "./database.js";
import { freePort, startCli, type Started } from "./processes.js";

/** Limits raised far above the load (they stay counted, as in production). */
const BENCH_LIMITS = {
  RATE_SIGNINS_PER_MINUTE: "1000000",
  RATE_SENDS_PER_MINUTE: "1000000",
  RATE_TENANT_SENDS_PER_MINUTE: "1000000",
  QUOTA_CHATS_PER_DAY: "1000000",
};

export interface AppUnderTest {
  app: Started;
  /** The Bun tier (its own process), when the configuration has one. */
  streams?: Started & { apiKey: string };
  close(): Promise<void>;
}

/** The production tier alone (`open-chat streams`, tuned as above), its data under `dataDir`. */
export async function startTier(dataDir: string): Promise<Started & { apiKey: string }> {
  const apiKey = randomBytes(16).toString("hex");
  const started = await startCli(
    "streams",
    { STREAMS_API_KEY: apiKey, STREAMS_PORT: String(await freePort()), STREAMS_DATA_DIR: join(dataDir, "streams-server"), DS_INGEST_CONCURRENCY: "64", DS_INGEST_FLUSH_MS: "1" },
    "streams",
  );
  return { ...started, apiKey };
}

/** `extraEnv` adds app settings (e.g. a higher MAX_TAILS_PER_USER for fan-out). */
export async function startApp(config: "bun" | "embedded", modelUrl: string, extraEnv: Record<string, string> = {}): Promise<AppUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-bench-"));
  const database = await createBenchDatabase();
  const cleanups: Array<() => Promise<unknown>> = [() => database.drop(), async () => rmSync(dataDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: Error) => console.error(`bench cleanup: ${error.message}`));
  };
  try {
    let streams: AppUnderTest["streams"];
    const streamsEnv: Record<string, string> = {};
    if (config === "bun") {
      streams = await startTier(dataDir);
      cleanups.push(() => streams!.stop());
      Object.assign(streamsEnv, { STREAMS_URL: streams.url, STREAMS_API_KEY: streams.apiKey });
    } else {
      Object.assign(streamsEnv, { DS_INGEST_FLUSH_MS: "1" });
    }
    const app = await startCli(
      "serve",
      {
        HOST: "127.0.0.1",
        PORT: String(await freePort()),
        DATA_DIR: join(dataDir, "app"),
        DATABASE_URL: database.url,
        OPENAI_BASE_URL: modelUrl,
        OPENAI_API_KEY: "bench",
        MODEL: "bench-model",
        SHUTDOWN_GRACE_MS: "0",
        // BENCH_WORKERS=2 runs the app as a cluster of two workers (Bun tier only: the embedded
        // streams-local is one process); 1 keeps the figures comparable with earlier runs.
        WORKERS: process.env.BENCH_WORKERS ?? "1",
        ...BENCH_LIMITS,
        // BENCH_MAX_RUNNING sets the per-process cap on running answers (default: the server's),
        // to find what a process holds past the default cap.
        ...(process.env.BENCH_MAX_RUNNING ? { MAX_RUNNING_ANSWERS_PER_PROCESS: process.env.BENCH_MAX_RUNNING } : {}),
        ...streamsEnv,
        ...extraEnv,
      },
      "app",
    );
    cleanups.push(() => app.stop());
    return { app, ...(streams ? { streams } : {}), close };
  } catch (error) {
    await close();
    throw error;
  }
}
