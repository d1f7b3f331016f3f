/**
 * Bad input is answered 4xx with an error code before it reaches Postgres — never a 500. The
 * cases are the findings (a black-box fuzz had 87 requests answered 500): NUL characters
 * and out-of-range dates in chat ids, titles, models and list cursors, plus the neighbours of
 * each (lone surrogates, control characters, overlong ids, malformed headers, weird bearer
 * tokens on Better Auth's routes).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import pg from "pg";
import { TEST_DATABASE_ADMIN_URL, signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { inputErrorOf } from "../src/http/render-error.js";
import { deleteEndUser } from "../src/users/delete-user.js";
import { apiClient } from "./helpers/api.js";

let server: TestServer;
let guest: ReturnType<typeof apiClient>;
let token: string;
let chatId: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await signInAsGuest(server.url);
  guest = apiClient(server.url, token);
  chatId = (await guest.createChat({ title: "mine" })).id;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

// A value Postgres refused is answered 400 by the error renderer's last line, which logs it:
// every case here must be answered before any query, so none may be logged.
const warnings = vi.spyOn(console, "warn");
afterEach(() => {
  const refused = warnings.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("database refused"));
  warnings.mockClear();
  expect(refused).toEqual([]);
});

/** base64url of a JSON value: how list cursors are spelled. */
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

type Case = [label: string, method: string, path: string, body?: unknown, expected?: { status: number; code: string }];

const notFound = { status: 404, code: "chat_not_found" };
const invalid = { status: 400, code: "invalid_request" };

const chatIds: Case[] = [
  ["GET /v1/chats/%00", "GET", "/v1/chats/%00", undefined, notFound],
  ["a chat id with a NUL inside", "GET", "/v1/chats/chat_a%00b", undefined, notFound],
  ["a chat id with a control character", "GET", "/v1/chats/chat%01", undefined, notFound],
  ["a chat id with a lone surrogate", "GET", `/v1/chats/${encodeURIComponent("chat_")}%ED%A0%80`, undefined, notFound],
  ["a chat id with a space", "GET", "/v1/chats/a%20b", undefined, notFound],
  ["a chat id of 129 characters", "GET", `/v1/chats/${"c".repeat(129)}`, undefined, notFound],
  ["rename %00", "PATCH", "/v1/chats/%00", { title: "x" }, notFound],
  ["delete %00", "DELETE", "/v1/chats/%00", undefined, notFound],
  ["send to %00", "POST", "/v1/chats/%00/messages", { clientMessageId: "m1", text: "hi" }, notFound],
  ["stop %00", "POST", "/v1/chats/%00/stop", undefined, notFound],
  ["tail of %00", "GET", "/v1/chats/%00/events", undefined, notFound],
  ["live tail of %00", "GET", "/v1/chats/%00/events?live=sse", undefined, notFound],
];

const titles: Case[] = [
  ["a title with a NUL", "POST", "/v1/chats", { title: "a\u0000b" }, invalid],
  ["a title with a control character", "POST", "/v1/chats", { title: "a\u0007b" }, invalid],
  ["a title with a newline", "POST", "/v1/chats", { title: "a\nb" }, invalid],
  ["a title with a lone surrogate", "POST", "/v1/chats", { title: "a\ud800b" }, invalid],
  ["a title that is a number", "POST", "/v1/chats", { title: 7 }, invalid],
  ["a rename with a NUL", "PATCH", "/v1/chats/CHAT", { title: "a\u0000" }, invalid],
  ["a rename with a lone low surrogate", "PATCH", "/v1/chats/CHAT", { title: "\udc00" }, invalid],
];

const models: Case[] = [
  ["a model with a NUL (create)", "POST", "/v1/chats", { model: "gpt\u0000" }, invalid],
  ["a model with a space (create)", "POST", "/v1/chats", { model: "gpt 4" }, invalid],
  ["a model with a lone surrogate (create)", "POST", "/v1/chats", { model: "\ud800" }, invalid],
  ["a model with a NUL (send)", "POST", "/v1/chats/CHAT/messages", { clientMessageId: "m-model", text: "hi", model: "x\u0000" }, invalid],
];

const cursors: Case[] = [
  ["a cursor that is not base64url JSON", "GET", "/v1/chats?cursor=%%%", undefined, invalid],
  ["a cursor with a date out of Postgres' range", "GET", `/v1/chats?cursor=${cursorOf(["-100000-01-01T00:00:00.000Z", "chat_x"])}`, undefined, invalid],
  ["a cursor with a far-future date", "GET", `/v1/chats?cursor=${cursorOf(["+275760-09-13T00:00:00.000Z", "chat_x"])}`, undefined, invalid],
  ["a cursor with a NUL in its id", "GET", `/v1/chats?cursor=${cursorOf(["2025-01-01T00:00:00.000Z", "a\u0000b"])}`, undefined, invalid],
  ["a cursor with a lone surrogate in its id", "GET", `/v1/chats?cursor=${cursorOf(["2025-01-01T00:00:00.000Z", "\ud800"])}`, undefined, invalid],
  ["a cursor with a date that is not ISO", "GET", `/v1/chats?cursor=${cursorOf(["1", "chat_x"])}`, undefined, invalid],
  ["a cursor of 10 KB", "GET", `/v1/chats?cursor=${"A".repeat(10_000)}`, undefined, invalid],
  ["a limit of 1e400", "GET", "/v1/chats?limit=1e400", undefined, invalid],
  ["a limit with a NUL", "GET", "/v1/chats?limit=1%00", undefined, invalid],
];

const messages: Case[] = [
  ["a client message id with a NUL", "POST", "/v1/chats/CHAT/messages", { clientMessageId: "m\u0000", text: "hi" }, invalid],
  ["a message text with a NUL", "POST", "/v1/chats/CHAT/messages", { clientMessageId: "m-nul", text: "a\u0000b" }, invalid],
  ["a message text with a lone surrogate", "POST", "/v1/chats/CHAT/messages", { clientMessageId: "m-sur", text: "a\ud800b" }, invalid],
];

describe("input never reaches Postgres malformed", () => {
  it.each([...chatIds, ...titles, ...models, ...cursors, ...messages])("%s → 4xx with a code", async (_label, method, path, body, expected) => {
    const reply = await guest.call(method, path.replace("CHAT", chatId), body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(expected!.status);
    expect(reply.body.error.code).toBe(expected!.code);
  });

  it("keeps the chat unchanged after the bad renames", async () => {
    const reply = await guest.call("GET", `/v1/chats/${chatId}`);
    expect(reply.body.title).toBe("mine");
  });

  it("still accepts what is fine: tabs in a message, emoji in titles, a real cursor", async () => {
    const created = await guest.call("POST", "/v1/chats", { title: "Grüße 👋" });
    expect(created.status).toBe(201);
    expect(created.body.title).toBe("Grüße 👋");
    server.model.enqueue({ tokens: ["ok"] });
    const sent = await guest.send(created.body.id, { clientMessageId: "m-tab", text: "a\tb\nc 👋" });
    expect(sent.status).toBe(202);
    await server.idle();
    const page = await guest.call("GET", "/v1/chats?limit=1");
    const next = await guest.call("GET", `/v1/chats?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.status).toBe(200);
  });
});

describe("admin API list cursors", () => {
  it.each([
    ["a date out of Postgres' range", cursorOf(["-100000-01-01T00:00:00.000Z", "user_x"])],
    ["a date that is not ISO", cursorOf(["1", "user_x"])],
    ["an id with a NUL", cursorOf(["2025-01-01T00:00:00.000Z", "a\u0000"])],
  ])("users cursor with %s → 400 invalid_request, no query", async (_label, cursor) => {
    // A tenant with a secret key only: keyless guests of the other tests stay possible.
    const site = await server.services.tenants.create({ name: "Cursor shop", allowedOrigins: [] });
    const secret = await server.services.tenants.createKey(site.id, "secret", "cursor test");
    const response = await fetch(`${server.url}${API_PATH.admin}/tenants/${site.id}/users?cursor=${cursor}`, { headers: { Authorization: `Bearer ${secret.key}` } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });
});

describe("headers", () => {
  const call = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...headers } });

  it.each([
    ["an Idempotency-Key of 10 KB", "/v1/chats", { [HEADER.idempotencyKey]: "k".repeat(10_000) }, "POST"],
    ["an Idempotency-Key with a space", "/v1/chats", { [HEADER.idempotencyKey]: "a b" }, "POST"],
    ["a Last-Event-ID of 10 KB", "/v1/chats/CHAT/events?live=sse", { [HEADER.lastEventId]: "1".repeat(10_000) }, "GET"],
    ["an X-Open-Chat-Key of 10 KB", "/v1/chats", { [HEADER.publishableKey]: "pk_" + "x".repeat(10_000) }, "GET"],
  ])("%s → 400 invalid_request", async (_label, path, headers, method) => {
    const response = await call(path.replace("CHAT", chatId), { "Content-Type": "application/json", ...headers }, { method, ...(method === "POST" ? { body: "{}" } : {}) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toMatch(/^invalid_(request|offset)$/);
  });
});

describe("Better Auth's routes with weird bearer tokens", () => {
  const tokens = [
    "Bearer %",
    "Bearer %E0%A4%A",
    "Bearer a.b.c",
    "Bearer .",
    "Bearer " + "x".repeat(8_000),
    "Bearer TOKEN%",
    "Bearer TOKEN_HEAD.%%%",
    "Bearer \u00ff\u00fe",
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "bearer  TOKEN",
  ];
  for (const path of [API_PATH.getSession, API_PATH.signOut]) {
    it.each(tokens.map((t) => [t.slice(0, 40), t]))(`${path} with Authorization %s is no 5xx`, async (_label, authorization) => {
      const response = await fetch(`${server.url}${path}`, {
        method: path === API_PATH.signOut ? "POST" : "GET",
        headers: { Authorization: authorization.replace("TOKEN_HEAD", token.split(".")[0]!).replace("TOKEN", token), ...(path === API_PATH.signOut ? { "Content-Type": "application/json" } : {}) },
        ...(path === API_PATH.signOut ? { body: "{}" } : {}),
      });
      expect(response.status).toBeLessThan(500);
      const text = await response.text();
      if (response.status >= 400) expect(JSON.parse(text).error.code).toEqual(expect.any(String));
    });
  }
});

describe("the error renderer's last line of defence", () => {
  const refusal = (query: Promise<unknown>) => query.then(() => null, (error: unknown) => error);

  it("knows Postgres' refusals of a request's value (NUL, date out of range) and nothing else", async () => {
    const { prisma } = server.services;
    expect(inputErrorOf(await refusal(prisma.chat.findFirst({ where: { id: "a\u0000b" } })))).toMatch(/22021/);
    expect(inputErrorOf(await refusal(prisma.chat.findFirst({ where: { updatedAt: { lt: new Date("-100000-01-01T00:00:00Z") } } })))).toMatch(/220/);
    const duplicate = await refusal(prisma.tenant.create({ data: { id: "default", name: "again" } }));
    expect(duplicate).toBeInstanceOf(Error);
    expect(inputErrorOf(duplicate)).toBeNull();
    expect(inputErrorOf(new Error("boom"))).toBeNull();
  });

  it("knows the same refusals when node-postgres reports them (the send path's statements run on the pool, db/sql.ts)", async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
    await client.connect();
    try {
      expect(inputErrorOf(await refusal(client.query("SELECT $1::text", ["a\u0000b"])))).toBe("22021");
      expect(inputErrorOf(await refusal(client.query("SELECT $1::timestamp", ["-100000-01-01T00:00:00Z"])))).toMatch(/^22/);
      const missing = await refusal(client.query("SELECT * FROM no_such_table"));
      expect(missing).toBeInstanceOf(pg.DatabaseError);
      expect(inputErrorOf(missing)).toBeNull(); // 42P01: a bug, not the request's value
    } finally {
      await client.end();
    }
  });
});

describe("found by the fuzz suite", () => {
  it("deletes an end user once when two deletes race: the other finds no user (404), no 500", async () => {
    const victimToken = await signInAsGuest(server.url);
    const session = (await (await fetch(`${server.url}${API_PATH.getSession}`, { headers: { Authorization: `Bearer ${victimToken}` } })).json()) as { user: { id: string; tenantId: string } };
    // The test server's services are typed by the package's public types; deleteEndUser by its source.
    const { prisma, streams } = server.services as unknown as { prisma: Parameters<typeof deleteEndUser>[0]["prisma"]; streams: typeof server.services.streams };
    // Both deletes have found the user before either removes it: they meet in the transaction.
    const bothLookedUp = Promise.withResolvers<void>();
    let waiting = 0;
    const held = {
      prisma,
      streams: {
        deleteStream: async (name: string) => {
          if (++waiting === 2) bothLookedUp.resolve();
          await bothLookedUp.promise;
          return streams.deleteStream(name);
        },
      },
    };
    const results = await Promise.all([deleteEndUser(held, session.user.tenantId, session.user.id), deleteEndUser(held, session.user.tenantId, session.user.id)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(results.filter((r) => r === null)).toHaveLength(1);
    expect(await prisma.user.count({ where: { id: session.user.id } })).toBe(0);
  });
});
