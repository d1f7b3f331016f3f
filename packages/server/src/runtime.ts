/**
 * Starts a complete server from a config: real Postgres at DATABASE_URL or an embedded PGlite,
 * a remote streams tier at STREAMS_URL or embedded streams-local, a real model provider or —
 * loudly — our own local model server. Everything started here is stopped by `close()`.
 *
 * The parts that do not depend on each other start together: the database and its migrations,
 * the streams tier, the local model server and the loading of the app's own modules
 * (runtime-parts.ts). A fresh embedded database starts from the build's PGlite template
 * (db/pglite-template.ts) instead of initdb. The embedded PGlite and streams-local each run on a
 * worker thread of their own (threads/host.ts) unless EMBEDDED_THREADS is off.
 */
import { mkdirSync } from "node:fs";
import type { OpenChatApp } from "./app.js";
import type { MetricsListenerConfig, ServerConfig } from "./config.js";
import type { Metrics } from "./metrics/metrics.js";
import type { MetricsListener } from "./metrics/metrics-server.js";
import { dataDirLayout, type DataDirLayout } from "./data-dir.js";
import { defaultAppendWindowMaxMs } from "./generation/append-window.js";
import { applyHeapGrowth } from "./heap-growth.js";
import { startQuietHeap, type QuietHeap } from "./quiet-heap.js";
import { defaultRunningAnswers } from "./limits/answer-admission.js";
import { withAppendNotices } from "./streams/client/append-notices.js";
import { startEmbeddedPostgres } from "./db/embedded-postgres.js";
import { applyMigrations } from "./db/migrate.js";
import type { LeaseSweeper } from "./leases/sweeper.js";

export interface RunningServer extends OpenChatApp {
  url: string;
  /** What runs embedded, for the start-up banner. */
  embedded: { database: boolean; streams: boolean; model: boolean };
  /** This process's lease sweeper (`sweep()` runs a pass now). */
  takeover: LeaseSweeper;
  /** The heap's quiet mode (quiet-heap.ts), unless HEAP_QUIET_AFTER_MS is 0 or the flag came with the process. */
  quietHeap: QuietHeap | undefined;
  /** Where this process serves its Prometheus metrics (METRICS_PORT; not in a cluster's worker, whose primary serves them). */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Runs the jobs one process per deployment suffices for: the guest purge and the stale
   * credit-hold sweep. Default true; a cluster runs them in its first worker only. (The lease
   * sweeper always runs: every process takes over answers whose holder died.)
   */
  periodicJobs?: boolean;
  /**
   * A cluster's worker: its metrics go to the primary, which serves the sum over the workers on
   * METRICS_PORT (cluster-primary.ts), instead of being served here. Default false.
   */
  metricsToPrimary?: boolean;
}

type Stops = Array<() => Promise<unknown>>;

export async function startServer(config: ServerConfig, log: (line: string) => void = console.log, options: StartOptions = {}): Promise<RunningServer> {
  const stops: Stops = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error("[open-chat] shutdown:", error));
  };
  try {
    const dataDir = dataDirLayout(config.dataDir);
    mkdirSync(dataDir.root, { recursive: true });

    const [databaseUrl, streamsUrl, model, parts] = await allStarted([
      startDatabase(config, dataDir, stops),
      startStreams(config, dataDir, stops),
      startModel(config, stops, log),
      // Prisma's query compiler is loaded while the database starts, not after (db/client.ts).
      import("./runtime-parts.js").then(async (loaded) => (await loaded.warmQueryCompiler(), loaded)),
    ]);
    // PGlite serves every socket connection from ONE Postgres session: parallel connections
    // interleave their protocol messages (08P01) and leak into each other's transactions.
    // One connection serialises them, which is what PGlite does internally anyway.
    const db = parts.createDb({ connectionString: databaseUrl, max: config.databaseUrl ? 10 : 1 });
    stops.push(() => db.close());
    const client = parts.createStreamsClient({ baseUrl: streamsUrl, apiKey: config.streamsApiKey });
    // The embedded tier has one writer, this process: its live reads wait for our own appends.
    // A remote tier has many: a quiet stream's tails park and wait for the writers' wake notices.
    const parkAfterMs = config.settings.tail.parkAfterMs ?? 0;
    const parking = config.streamsUrl !== undefined && parkAfterMs > 0 && config.settings.tail.upstream !== "long-poll";
    const wakes = parking ? parts.startWakeListener({ streams: client }) : undefined;
    if (wakes) stops.push(async () => wakes.close());
    const streams = !config.streamsUrl ? withAppendNotices(client) : wakes ? parts.withWakeNotices(client, { quietMs: parkAfterMs / 2, local: wakes }) : client;
    const models = parts.createModelClient({ baseURL: model.baseURL, apiKey: model.apiKey, defaultModel: config.defaultModel });

    const secret = config.authSecret ?? parts.loadOrCreateSecret(dataDir.authSecret);
    const encryptionKey = parts.encryptionKeyOf(config);
    const auth = parts.createAuth({ prisma: db.prisma, secret, baseURL: config.baseUrl });
    // A stop must reach the holder in any process: LISTEN/NOTIFY on a real Postgres. Embedded
    // PGlite serves one process only (and one connection), so in-process delivery suffices.
    const stopBus = config.databaseUrl ? parts.createPgStopBus({ connectionString: config.databaseUrl, pool: db.pool }) : parts.createLocalStopBus();
    stops.push(() => stopBus.close());
    // Rate-limit counts in Postgres hold across app servers; embedded PGlite is one process.
    const counters = config.databaseUrl ? parts.createPostgresCounters(db.pool) : parts.createMemoryCounters();
    const runningAnswersPerProcess = config.settings.limits.runningAnswersPerProcess ?? defaultRunningAnswers({ embeddedStreams: !config.streamsUrl });
    // Each user stream's live tails follow one live() read: the streams-server's SSE, or the
    // embedded tier's append notices (TAIL_UPSTREAM=long-poll for a streams-local over HTTP).
    const tail = { ...config.settings.tail, upstream: config.settings.tail.upstream ?? "live" };
    const tails = parts.processTailBudget(config.settings.limits.tailsPerProcess, { embeddedStreams: !config.streamsUrl, longPoll: tail.upstream === "long-poll", parking });
    // Group commit's widest window: fixed with the embedded tier (append-window.ts says why).
    const { generation } = config.settings;
    const appendIntervalMaxMs = generation.appendIntervalMaxMs ?? defaultAppendWindowMaxMs({ embeddedStreams: !config.streamsUrl, minMs: generation.appendIntervalMs });
    const settings = {
      ...config.settings,
      tail,
      limits: { ...config.settings.limits, tailsPerProcess: tails.tails, runningAnswersPerProcess },
      generation: { ...generation, appendIntervalMaxMs },
    };
    // Prepared (parsed and planned once per connection) on a real Postgres; PGlite shares one session between connections.
    const sql = parts.poolSql(db.pool, { prepared: config.databaseUrl !== undefined && config.databasePreparedStatements !== false });
    const app = parts.createApp({ prisma: db.prisma, sql, auth, streams, models, settings, stopBus, encryptionKey, counters, ...(wakes ? { wakes } : {}) });
    // Runs before the streams tier and the database stop (stops run in reverse order).
    stops.push(() => app.services.generations.shutdown(config.shutdownGraceMs ?? 10_000));
    // Answers whose holder died (this process before a restart, or another one) end or go on here.
    const takeover = app.services.startTakeover();
    stops.push(() => takeover.stop());
    if (options.periodicJobs ?? true) {
      const staleHolds = app.services.startStaleHoldSweep();
      stops.push(() => staleHolds.stop());
      const guestPurge = app.services.startGuestPurge();
      if (guestPurge) stops.push(() => guestPurge.stop());
    }
    // Quiet (no request, no answer) for a while, V8 favours memory; any request ends it.
    const quietHeap = config.heapQuietAfterMs ? startQuietHeap({ quietAfterMs: config.heapQuietAfterMs, running: () => app.services.admission.load }) : undefined;
    if (quietHeap) stops.push(async () => quietHeap.stop());
    const server = await parts.listen(app.app.fetch, { host: config.host, port: config.port, ...(quietHeap ? { onRequest: quietHeap.touch } : {}) });
    // Once started: under the lean rule the start-up's burst of allocations (the embedded
    // database, migrations, module loading) ran ~9 % longer for a heap it does not keep.
    applyHeapGrowth(config.heapGrowthPercent);
    stops.push(() => server.close());
    const metrics = config.metrics ? await serveMetrics(app.services.metrics, config.metrics, options.metricsToPrimary ?? false, stops) : undefined;
    if (metrics) log(`open-chat: metrics on ${metrics.shown}`);
    log(`open-chat: live tails: at most ${tails.tails || "unlimited"} in this process (${tails.source}); rate-limit counts in ${counters.kind}`);
    log(`open-chat: listening on ${server.url} (database: ${config.databaseUrl ? "DATABASE_URL" : "embedded PGlite"}, streams: ${config.streamsUrl ? config.streamsUrl : "embedded streams-local"}, model: ${model.name})`);
    return {
      ...app,
      url: server.url,
      embedded: { database: !config.databaseUrl, streams: !config.streamsUrl, model: !config.model },
      takeover,
      quietHeap,
      metricsUrl: metrics?.url,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Node's own metrics join the process's; served on their own port, or handed to a cluster's
 * primary over the cluster's IPC channel (prom-client's AggregatorRegistry) to be summed there.
 * Imported here, not at the top: this module's own imports load before anything starts, the
 * app's modules (and prom-client) load beside the database's start (runtime-parts.ts).
 */
async function serveMetrics(metrics: Metrics, listener: MetricsListenerConfig, toPrimary: boolean, stops: Stops): Promise<MetricsListener | undefined> {
  const { withProcessMetrics } = await import("./metrics/metrics.js");
  const { listenMetrics, registryText, reportToPrimary } = await import("./metrics/metrics-server.js");
  withProcessMetrics(metrics);
  if (toPrimary) {
    reportToPrimary(metrics.registry);
    return undefined;
  }
  const served = await listenMetrics({ ...listener, collect: registryText(metrics.registry) });
  stops.push(() => served.close());
  return served;
}

/** DATABASE_URL, else an embedded PGlite; migrated either way. */
async function startDatabase(config: ServerConfig, dataDir: DataDirLayout, stops: Stops): Promise<string> {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: dataDir.postgres, thread: config.embeddedThreads ?? true });
    stops.push(() => pg.stop());
    databaseUrl = pg.connectionString;
  }
  await applyMigrations({ connectionString: databaseUrl });
  return databaseUrl;
}

/** STREAMS_URL, else embedded streams-local (loaded only then). */
async function startStreams(config: ServerConfig, dataDir: DataDirLayout, stops: Stops): Promise<string> {
  if (config.streamsUrl) return config.streamsUrl;
  const { startEmbeddedStreams } = await import("./streams/tier/embedded.js");
  const local = await startEmbeddedStreams({ dataDir: dataDir.streams, thread: config.embeddedThreads ?? true });
  stops.push(() => local.close());
  return local.url;
}

/** The configured provider, else our local model server (loaded only then). */
async function startModel(config: ServerConfig, stops: Stops, log: (line: string) => void): Promise<NonNullable<ServerConfig["model"]>> {
  if (config.model) return config.model;
  const { startModelServer } = await import("./model-server/index.js");
  const local = await startModelServer({ tokenDelayMs: 15 });
  stops.push(() => local.close());
  log("open-chat: !!! NO MODEL PROVIDER CONFIGURED: answers come from the built-in LOCAL TEST MODEL at " + local.url);
  log("open-chat: !!! set OPENROUTER_API_KEY (or OPENAI_BASE_URL + OPENAI_API_KEY) for real answers");
  return { baseURL: local.url, apiKey: "local", name: "local model server" };
}

/**
 * Like Promise.all, but settles every start before throwing the first failure: whatever did
 * start has registered its stop by then, so `close()` stops it.
 */
async function allStarted<T extends readonly unknown[]>(starts: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
