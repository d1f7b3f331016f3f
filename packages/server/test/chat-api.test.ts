/**
 * Chat CRUD and bad input, on real Postgres + embedded streams-local + real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { apiClient } from "./helpers/api.js";
import { startLoopbackProxy, startStreamsBackend, type LoopbackProxy, type RunningStreamsBackend } from "./helpers/streams.js";

let streams: RunningStreamsBackend;
/** A well-formed offset no chat has reached (the streams tier does not reject it by itself). */
const PAST_END = "ZZZZZZZZZZZZZZZZZZZZZZZZZZ";
/** Upstream long-polls (server -> streams tier, seen by a proxy between them), to prove a closed tail leaks none. */
const longPolls = { parked: Promise.withResolvers<void>(), ended: Promise.withResolvers<"aborted" | "answered">() };
const isLongPoll = (req: { url?: string | undefined }) => (req.url ?? "").includes("live=long-poll");
let streamsProxy: LoopbackProxy;
let server: TestServer;
let alice: ReturnType<typeof apiClient>;
let aliceToken: string;
let bob: ReturnType<typeof apiClient>;

beforeAll(async () => {
  streams = await startStreamsBackend("embedded");
  streamsProxy = await startLoopbackProxy({
    target: streams.url,
    onRequest: (req) => isLongPoll(req) && longPolls.parked.resolve(),
    onRelayed: (req) => isLongPoll(req) && longPolls.ended.resolve("answered"),
    onClientGone: (req) => isLongPoll(req) && longPolls.ended.resolve("aborted"),
  });
  server = await startTestServer({
    streams: { url: streamsProxy.url },
    settings: { tail: { heartbeatMs: 50, retryMs: 750, longPollMs: 4_000, sessionCheckMs: 15_000 } },
  });
  aliceToken = await signInAsGuest(server.url);
  alice = apiClient(server.url, aliceToken);
  bob = apiClient(server.url, await signInAsGuest(server.url));
});
afterAll(async () => {
  await server?.close();
  await streamsProxy?.close();
  await streams?.stop();
});

describe("chats", () => {
  it("creates, gets, lists newest first with pagination, renames and deletes", async () => {
    const created = [];
    for (const title of ["one", "two", "three"]) {
      const reply = await alice.call("POST", "/v1/chats", { title });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ id: expect.any(String), title, model: null });
      created.push(reply.body);
    }
    const page1 = await alice.call("GET", "/v1/chats?limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.chats.map((c: { title: string }) => c.title)).toEqual(["three", "two"]);
    const page2 = await alice.call("GET", `/v1/chats?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ chats: [{ title: "one" }], nextCursor: null });

    const renamed = await alice.call("PATCH", `/v1/chats/${created[0].id}`, { title: "  renamed  " });
    expect(renamed.body.title).toBe("renamed");
    const log = await alice.readAll(created[0].id);
    expect(log.events).toMatchObject([{ type: "chat.renamed", title: "renamed" }]);

    expect((await alice.call("DELETE", `/v1/chats/${created[1].id}`)).status).toBe(204);
    expect((await alice.call("GET", `/v1/chats/${created[1].id}`)).status).toBe(404);
    const events = await alice.call("GET", `/v1/chats/${created[1].id}/events`);
    expect(events).toMatchObject({ status: 404, body: { error: { code: "chat_not_found" } } });
    expect((await alice.call("DELETE", `/v1/chats/${created[1].id}`)).status).toBe(404);
    const remaining = await alice.call("GET", "/v1/chats");
    expect(remaining.body.chats.map((c: { title: string }) => c.title)).toEqual(["renamed", "three"]);
  });

  it("keeps users apart: another user's chat is 404, exactly like a missing one", async () => {
    const chat = await alice.createChat({ title: "private" });
    const theirs = await bob.call("GET", `/v1/chats/${chat.id}`);
    const missing = await bob.call("GET", "/v1/chats/chat_doesnotexist");
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ error: { code: "chat_not_found", message: `chat ${chat.id} not found` } });
    expect(missing.body.error.code).toBe("chat_not_found");
    for (const [method, path, body] of [
      ["GET", `/v1/chats/${chat.id}/events`, undefined],
      ["POST", `/v1/chats/${chat.id}/messages`, { clientMessageId: "c1", text: "hi" }],
      ["PATCH", `/v1/chats/${chat.id}`, { title: "mine now" }],
      ["DELETE", `/v1/chats/${chat.id}`, undefined],
      ["POST", `/v1/chats/${chat.id}/stop`, undefined],
    ] as const) {
      expect((await bob.call(method, path, body)).status, `${method} ${path}`).toBe(404);
    }
    expect((await bob.call("GET", "/v1/chats")).body.chats).toEqual([]);
    expect((await alice.call("GET", `/v1/chats/${chat.id}`)).body.title).toBe("private");
  });
});

describe("bad input", () => {
  it("answers each with a clear status and code", async () => {
    const chat = await alice.createChat();
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, string]> = [
      ["malformed JSON", alice.call("POST", `/v1/chats/${chat.id}/messages`, "{oops"), 400, "invalid_json"],
      ["missing text", alice.send(chat.id, { clientMessageId: "c1" }), 400, "text_required"],
      ["blank text", alice.send(chat.id, { clientMessageId: "c1", text: "   " }), 400, "text_required"],
      ["non-string text", alice.send(chat.id, { clientMessageId: "c1", text: 42 }), 400, "text_required"],
      ["oversized text", alice.send(chat.id, { clientMessageId: "c1", text: "x".repeat(32_001) }), 400, "text_too_long"],
      ["huge body", alice.send(chat.id, { clientMessageId: "c1", text: "x".repeat(300_000) }), 413, "payload_too_large"],
      ["missing clientMessageId", alice.send(chat.id, { text: "hi" }), 400, "invalid_request"],
      ["unknown chat", alice.send("chat_nope", { clientMessageId: "c1", text: "hi" }), 404, "chat_not_found"],
      ["invalid offset syntax", alice.call("GET", `/v1/chats/${chat.id}/events?offset=../../x`), 400, "invalid_offset"],
      ["invalid offset value", alice.call("GET", `/v1/chats/${chat.id}/events?offset=zzzz`), 400, "invalid_offset"],
      ["offset past the end", alice.call("GET", `/v1/chats/${chat.id}/events?offset=${PAST_END}`), 400, "invalid_offset"],
      ["offset past the end, long-poll", alice.call("GET", `/v1/chats/${chat.id}/events?offset=${PAST_END}&live=long-poll`), 400, "invalid_offset"],
      ["offset past the end, SSE", alice.call("GET", `/v1/chats/${chat.id}/events?offset=${PAST_END}&live=sse`), 400, "invalid_offset"],
      ["Last-Event-ID past the end", alice.call("GET", `/v1/chats/${chat.id}/events?live=sse`, undefined, { headers: { "Last-Event-ID": PAST_END } }), 400, "invalid_offset"],
      ["bad live mode", alice.call("GET", `/v1/chats/${chat.id}/events?live=ws`), 400, "invalid_request"],
      ["missing token", apiClient(server.url).call("GET", "/v1/chats"), 401, "unauthorized"],
      ["bad token", apiClient(server.url, "not-a-token").call("GET", `/v1/chats/${chat.id}/events`), 401, "unauthorized"],
      ["bad limit", alice.call("GET", "/v1/chats?limit=0"), 400, "invalid_request"],
      ["bad cursor", alice.call("GET", "/v1/chats?cursor=garbage"), 400, "invalid_request"],
      ["empty title", alice.call("PATCH", `/v1/chats/${chat.id}`, { title: "" }), 400, "invalid_request"],
      ["unknown route", alice.call("GET", "/v1/nothing"), 404, "not_found"],
    ];
    for (const [name, reply, status, code] of cases) {
      const r = await reply;
      expect({ name, status: r.status, code: r.body?.error?.code }).toEqual({ name, status, code });
      expect(typeof r.body.error.message, name).toBe("string");
    }
    // Nothing was appended or generated by any of it.
    expect((await alice.readAll(chat.id)).events).toEqual([]);
    expect(server.model.requests).toHaveLength(0);
  });
});

describe("SSE tail", () => {
  it("sends the retry hint and heartbeats, never immutable caching, and releases its upstream read on disconnect", async () => {
    const chat = await alice.createChat();
    const abort = new AbortController();
    const response = await fetch(`${server.url}/v1/chats/${chat.id}/events?live=sse`, {
      headers: { Authorization: `Bearer ${aliceToken}` },
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control") ?? "").not.toMatch(/immutable/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes(": ping")) text += (await reader.read()).value ?? "";
    expect(text).toMatch(/^retry: 750\n/);
    expect(text).toContain("event: control\n");
    await longPolls.parked.promise; // the idle tail is parked in an upstream long-poll (4 s)
    abort.abort();
    await reader.cancel().catch(() => {});
    // Cancelled by the client's disconnect, not left to run out its 4 s.
    expect(await longPolls.ended.promise).toBe("aborted");
  });
});

describe("health", () => {
  it("reports liveness and readiness", async () => {
    expect((await apiClient(server.url).call("GET", "/healthz")).body).toEqual({ ok: true });
    expect((await apiClient(server.url).call("GET", "/readyz")).body).toEqual({ ok: true, database: true, streams: true });
  });
});
