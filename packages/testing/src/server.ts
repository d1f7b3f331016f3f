/**
 * A real Open Chat server for integration tests, started the way production starts it
 * (`startServer` from @open-chat/server): a throwaway Postgres database, streams-local in a
 * temp folder (or a streams tier the test runs), our own model server over real HTTP, the app
 * on a loopback port. No mocks of our components; `close()` removes everything it made.
 *
 * @example
 * const server = await startTestServer();
 * server.model.enqueue({ tokens: ["Hel", "lo"] });
 * const token = await signInAsGuest(server.url);
 * ...
 * await server.close();
 */
import { DEFAULT_SETTINGS, startServer, type RunningServer, type ServerSettings, type Services } from "@open-chat/server";
import { startModelServer, type ModelServer, type ModelServerOptions } from "@open-chat/server/model-server";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startModelGate, type ModelGate } from "./model-gate.js";
import { makeTempDir, removeDir } from "./temp-dir.js";

export interface TestServerOptions {
  /** A running streams tier (e.g. the Bun streams-server). Default: embedded streams-local in the temp folder. */
  streams?: { url: string; apiKey?: string | undefined };
  /**
   * Settings over the production defaults; `tail` defaults to {@link TEST_TAIL_SETTINGS} and
   * `limits` to {@link TEST_LIMITS}; `tail.upstream`, with a `streams` tier given, to
   * `"long-poll"` (pass `"live"` with a streams-server: a streams-local over HTTP crashes when a
   * stream is deleted under an SSE read). Default: none.
   */
  settings?: Partial<ServerSettings>;
  /** Options of our model server, e.g. `defaultReply` or `tokenDelayMs`. Default: its own defaults. */
  model?: ModelServerOptions;
  /** The model name the server asks for (and records on answers). Default "test-model". */
  defaultModel?: string;
  /**
   * Put a {@link ModelGate} between the server and the model: the test decides how far each
   * streamed answer gets (`server.modelGate`). Default false.
   */
  gateModel?: boolean;
  /**
   * Run on this database (e.g. one a test prepared with the `open-chat` CLI); the caller drops it.
   * Default: a fresh throwaway database, dropped by `close()`.
   */
  database?: TestDatabase;
  /** ENCRYPTION_KEY: opens tenants' secrets another process sealed (e.g. the CLI). Default: one made in the temp folder. */
  encryptionKey?: string;
}

/** Tail timings that keep tests quick: a 1 s upstream long-poll, a 500 ms SSE retry hint. */
export const TEST_TAIL_SETTINGS: ServerSettings["tail"] = { heartbeatMs: 15_000, retryMs: 500, longPollMs: 1_000, sessionCheckMs: 15_000 };

/**
 * Rate limits far above what any test does (suites sign in many guests from 127.0.0.1), but
 * still counted, so every test runs the limits' code. Tests of the limits pass their own.
 */
export const TEST_LIMITS: ServerSettings["limits"] = {
  signInsPerMinute: 10_000,
  sendsPerMinute: 10_000,
  tenantSendsPerMinute: 100_000,
  chatsPerDay: 100_000,
  runningAnswersPerUser: 1_000,
  tailsPerUser: 1_000,
  // Tests of bursts (e.g. 100 concurrent sends) are about other limits; overload tests set their own cap.
  runningAnswersPerProcess: 1_000,
  trustedProxies: [],
};

export interface TestServer {
  url: string;
  server: RunningServer;
  services: Services;
  /** Our model server: `enqueue()` scripts the next answers, `requests` records what it was asked. */
  model: ModelServer;
  /** Set with `gateModel`: holds and releases the model's streamed replies. */
  modelGate: ModelGate | undefined;
  database: TestDatabase;
  /** Resolves when every running answer has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = makeTempDir("open-chat-server-");
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => removeDir(dataDir)];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const database = options.database ?? (await createTestDatabase());
    if (!options.database) cleanups.push(() => database.drop());
    const model = await startModelServer(options.model);
    cleanups.push(() => model.close());
    const modelGate = options.gateModel ? await startModelGate(model.url) : undefined;
    if (modelGate) cleanups.push(() => modelGate.close());
    const server = await startServer(
      {
        host: "127.0.0.1",
        port: 0,
        baseUrl: "http://127.0.0.1",
        dataDir,
        databaseUrl: database.url,
        streamsUrl: options.streams?.url,
        streamsApiKey: options.streams?.apiKey,
        model: { baseURL: modelGate?.url ?? model.url, apiKey: "test", name: "test model server" },
        defaultModel: options.defaultModel ?? "test-model",
        authSecret: "test-secret-test-secret-test-secret",
        encryptionKey: options.encryptionKey,
        shutdownGraceMs: 5_000,
        // A test's own tier is often streams-local over HTTP: long-polled unless the test says "live".
        settings: { ...DEFAULT_SETTINGS, limits: TEST_LIMITS, ...options.settings, tail: { ...(options.streams ? { upstream: "long-poll" as const } : {}), ...(options.settings?.tail ?? TEST_TAIL_SETTINGS) } },
      },
      () => {},
    );
    cleanups.push(() => server.close());
    return {
      url: server.url,
      server,
      services: server.services,
      model,
      modelGate,
      database,
      idle: () => server.services.generations.idle(),
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
