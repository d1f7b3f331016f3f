/**
 * Starts a complete server from a config: real Postgres at DATABASE_URL or an embedded PGlite,
 * a remote streams tier at STREAMS_URL or embedded streams-local, a real model provider or —
 * loudly — our own local model server. Everything started here is stopped by `close()`.
 */
import { mkdirSync } from "node:fs";
import { createApp, type OpenChatApp } from "./app.js";
import { createAuth } from "./auth/auth.js";
import type { ServerConfig } from "./config.js";
import { dataDirLayout, encryptionKeyOf } from "./data-dir.js";
import { createDb } from "./db/client.js";
import { startEmbeddedPostgres } from "./db/embedded-postgres.js";
import { applyMigrations } from "./db/migrate.js";
import { loadOrCreateSecret } from "./auth/secret.js";
import { createModelClient } from "./generation/model-client.js";
import { createLocalStopBus, createPgStopBus } from "./leases/stop-bus.js";
import type { LeaseSweeper } from "./leases/sweeper.js";
import { listen } from "./http/listen.js";
import { createMemoryCounters, createPostgresCounters } from "./limits/counters.js";
import { processTailBudget } from "./limits/fd-budget.js";
import { startModelServer } from "./model-server/index.js";
import { createStreamsClient } from "./streams/client/http-client.js";
import { startEmbeddedStreams } from "./streams/tier/embedded.js";

export interface RunningServer extends OpenChatApp {
  url: string;
  /** What runs embedded, for the start-up banner. */
  embedded: { database: boolean; streams: boolean; model: boolean };
  /** This process's lease sweeper (`sweep()` runs a pass now). */
  takeover: LeaseSweeper;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig, log: (line: string) => void = console.log): Promise<RunningServer> {
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error("[open-chat] shutdown:", error));
  };
  try {
    const dataDir = dataDirLayout(config.dataDir);
    mkdirSync(dataDir.root, { recursive: true });

    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: dataDir.postgres });
      stops.push(() => pg.stop());
      databaseUrl = pg.connectionString;
    }
    await applyMigrations({ connectionString: databaseUrl });
    // PGlite serves every socket connection from ONE Postgres session: parallel connections
    // interleave their protocol messages (08P01) and leak into each other's transactions.
    // One connection serialises them, which is what PGlite does internally anyway.
    const db = createDb({ connectionString: databaseUrl, max: config.databaseUrl ? 10 : 1 });
    stops.push(() => db.close());

    let streamsUrl = config.streamsUrl;
    if (!streamsUrl) {
      const local = await startEmbeddedStreams({ dataDir: dataDir.streams });
      stops.push(() => local.close());
      streamsUrl = local.url;
    }
    const streams = createStreamsClient({ baseUrl: streamsUrl, apiKey: config.streamsApiKey });

    let model = config.model;
    if (!model) {
      const local = await startModelServer({ tokenDelayMs: 15 });
      stops.push(() => local.close());
      model = { baseURL: local.url, apiKey: "local", name: "local model server" };
      log("open-chat: !!! NO MODEL PROVIDER CONFIGURED: answers come from the built-in LOCAL TEST MODEL at " + local.url);
      log("open-chat: !!! set OPENROUTER_API_KEY (or OPENAI_BASE_URL + OPENAI_API_KEY) for real answers");
    }
    const models = createModelClient({ baseURL: model.baseURL, apiKey: model.apiKey, defaultModel: config.defaultModel });

    const secret = config.authSecret ?? loadOrCreateSecret(dataDir.authSecret);
    const encryptionKey = encryptionKeyOf(config);
    const auth = createAuth({ prisma: db.prisma, secret, baseURL: config.baseUrl });
    // A stop must reach the holder in any process: LISTEN/NOTIFY on a real Postgres. Embedded
    // PGlite serves one process only (and one connection), so in-process delivery suffices.
    const stopBus = config.databaseUrl ? createPgStopBus({ connectionString: config.databaseUrl, pool: db.pool }) : createLocalStopBus();
    stops.push(() => stopBus.close());
    // Rate-limit counts in Postgres hold across app servers; embedded PGlite is one process.
    const counters = config.databaseUrl ? createPostgresCounters(db.pool) : createMemoryCounters();
    const tails = processTailBudget(config.settings.limits.tailsPerProcess, { embeddedStreams: !config.streamsUrl });
    const settings = { ...config.settings, limits: { ...config.settings.limits, tailsPerProcess: tails.tails } };
    const app = createApp({ prisma: db.prisma, auth, streams, models, settings, stopBus, encryptionKey, counters });
    // Runs before the streams tier and the database stop (stops run in reverse order).
    stops.push(() => app.services.generations.shutdown(config.shutdownGraceMs ?? 10_000));
    // Answers whose holder died (this process before a restart, or another one) end or go on here.
    const takeover = app.services.startTakeover();
    stops.push(() => takeover.stop());
    const staleHolds = app.services.startStaleHoldSweep();
    stops.push(() => staleHolds.stop());
    const guestPurge = app.services.startGuestPurge();
    if (guestPurge) stops.push(() => guestPurge.stop());
    const server = await listen(app.app.fetch, { host: config.host, port: config.port });
    stops.push(() => server.close());
    log(`open-chat: live tails: at most ${tails.tails || "unlimited"} in this process (${tails.source}); rate-limit counts in ${counters.kind}`);
    log(`open-chat: listening on ${server.url} (database: ${config.databaseUrl ? "DATABASE_URL" : "embedded PGlite"}, streams: ${config.streamsUrl ? config.streamsUrl : "embedded streams-local"}, model: ${model.name})`);
    return {
      ...app,
      url: server.url,
      embedded: { database: !config.databaseUrl, streams: !config.streamsUrl, model: !config.model },
      takeover,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
