/**
 * Overload is a clean refusal: past this process's cap on running answers a send is refused at
 * once with `503 overloaded` + Retry-After (nothing recorded, nothing charged), and a database
 * that cannot take the request in time (a pool wait that times out, a transaction that cannot
 * start in time) answers `503 overloaded` + Retry-After, never `500 internal`. The failures are
 * real: a held answer (the model gate), a pg pool whose one connection the test holds.
 */
import pg from "pg";
import { Hono } from "hono";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { signInAsGuest, startTestServer, TEST_LIMITS, type TestServer } from "@open-chat/testing";
import { createAuth } from "../src/auth/auth.js";
import { createApp } from "../src/app.js";
import { configFromEnv } from "../src/config.js";
import { DEFAULT_RUNNING_ANSWERS_PER_PROCESS, defaultRunningAnswers } from "../src/limits/answer-admission.js";
import { PrismaClient } from "../src/generated/prisma/client.js";
import { listen, type Listening } from "../src/http/listen.js";
import { renderError } from "../src/http/render-error.js";
import { apiClient } from "./helpers/api.js";

describe("the running-answers cap (runningAnswersPerProcess)", () => {
  it("is MAX_RUNNING_ANSWERS_PER_PROCESS (0 = none), unset = the default", () => {
    expect(configFromEnv({ MAX_RUNNING_ANSWERS_PER_PROCESS: "7" }).settings.limits.runningAnswersPerProcess).toBe(7);
    expect(configFromEnv({ MAX_RUNNING_ANSWERS_PER_PROCESS: "0" }).settings.limits.runningAnswersPerProcess).toBe(0);
    expect(configFromEnv({}).settings.limits.runningAnswersPerProcess).toBeUndefined();
    expect(DEFAULT_RUNNING_ANSWERS_PER_PROCESS).toBeGreaterThan(0);
    // A server's default follows where its log lives (the embedded tier shares the event loop).
    expect(defaultRunningAnswers({ embeddedStreams: false })).toBeGreaterThan(defaultRunningAnswers({ embeddedStreams: true }));
    expect(() => configFromEnv({ MAX_RUNNING_ANSWERS_PER_PROCESS: "-1" })).toThrow(/MAX_RUNNING_ANSWERS_PER_PROCESS/);
  });

  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ gateModel: true, settings: { limits: { ...TEST_LIMITS, sendsPerMinute: 2, runningAnswersPerProcess: 1 } } });
  }, 60_000);
  afterAll(async () => {
    server.modelGate?.open();
    await server?.close();
  });

  it("a server on the embedded streams tier batches in a fixed window unless GENERATION_APPEND_INTERVAL_MAX_MS says otherwise", async () => {
    const { generation } = server.services.settings;
    expect(server.server.embedded.streams).toBe(true);
    expect(generation.appendIntervalMaxMs).toBe(generation.appendIntervalMs);
    expect(configFromEnv({ GENERATION_APPEND_INTERVAL_MAX_MS: "90" }).settings.generation.appendIntervalMaxMs).toBe(90);
  });

  it("refuses a send past the cap at once with 503 overloaded + Retry-After; it records and charges nothing", async () => {
    const api = apiClient(server.url, await signInAsGuest(server.url));
    const [first, second, third] = [await api.createChat(), await api.createChat(), await api.createChat()];
    server.modelGate!.hold(); // the first answer keeps running until the gate opens
    expect((await api.send(first.id, { clientMessageId: "a1", text: "one" })).status).toBe(202);
    expect(server.services.generations.running).toBe(1);

    const refused = await api.send(second.id, { clientMessageId: "b1", text: "two" });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("overloaded");
    expect(refused.body.error.message).toContain("runningAnswersPerProcess");
    expect(refused.headers.get(HEADER.retryAfter)).toBe("2");
    expect(await server.services.chats.findTurn(second.id, "b1")).toBeNull();
    expect((await api.readAll(second.id)).events).toEqual([]);
    const regenerate = await api.call("POST", API_PATH.regenerate(first.id, "msg_whatever"), { clientMessageId: "r1" });
    expect(regenerate.status).toBe(503);

    server.modelGate!.open();
    await server.idle();
    expect(server.services.admission.load).toBe(0);
    // The refused send cost nothing: with sendsPerMinute 2 it still goes through, and only the
    // third new message of the minute is over the rate limit.
    expect((await api.send(second.id, { clientMessageId: "b1", text: "two" })).status).toBe(202);
    await server.idle();
    expect((await api.send(third.id, { clientMessageId: "c1", text: "three" })).status).toBe(429);
  });
});

describe("database overload", () => {
  let server: TestServer;
  let pool: pg.Pool;
  let prisma: PrismaClient;
  let app: Listening;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer();
    token = await signInAsGuest(server.url);
    // A second app server on the same database, with a pool of one connection that waits at
    // most 200 ms for it.
    pool = new pg.Pool({ connectionString: server.database.url, max: 1, connectionTimeoutMillis: 200 });
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const { services } = server;
    const second = createApp({
      prisma,
      auth: createAuth({ prisma, secret: "test-secret-test-secret-test-secret", baseURL: "http://127.0.0.1" }),
      streams: services.streams,
      models: services.models,
      settings: services.settings,
    });
    app = await listen(second.app.fetch, { host: "127.0.0.1", port: 0 });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await prisma?.$disconnect();
    await pool?.end();
    await server?.close();
  });

  it("a pool wait that times out is 503 overloaded with Retry-After, not 500", async () => {
    const api = apiClient(app.url, token);
    const chat = await api.createChat();
    const held = await pool.connect(); // every query of the second app now waits for the pool
    let reply;
    try {
      reply = await api.send(chat.id, { clientMessageId: "p1", text: "hi" });
    } finally {
      held.release();
    }
    expect(reply.status, JSON.stringify(reply.body)).toBe(503);
    expect(reply.body.error.code).toBe("overloaded");
    expect(reply.headers.get(HEADER.retryAfter)).toBe("1");
    expect(await server.services.chats.findTurn(chat.id, "p1")).toBeNull();
    // Once the pool frees up, the same send goes through.
    expect((await api.send(chat.id, { clientMessageId: "p1", text: "hi" })).status).toBe(202);
    await server.idle();
  });

  it("a transaction that cannot start in time (Prisma P2028, as under load) renders as 503 overloaded, not 500", async () => {
    // The transaction's own pool: its one connection is held, so it cannot start within maxWait.
    const busyPool = new pg.Pool({ connectionString: server.database.url, max: 1 });
    const busy = new PrismaClient({ adapter: new PrismaPg(busyPool), transactionOptions: { maxWait: 200 } });
    const probe = new Hono().onError(renderError).post("/turn", async (c) => c.json(await busy.$transaction(async (tx) => tx.chat.count())));
    const served = await listen(probe.fetch, { host: "127.0.0.1", port: 0 });
    const held = await busyPool.connect();
    try {
      const response = await fetch(`${served.url}/turn`, { method: "POST" });
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(503);
      expect(body.error.code).toBe("overloaded");
      expect(response.headers.get(HEADER.retryAfter)).toBe("1");
    } finally {
      held.release();
      await served.close();
      await busy.$disconnect();
      await busyPool.end();
    }
  });
});
