/**
 * Append-first generation and the SSE tail, end to end over real HTTP, real Postgres, our
 * model server, and both streams tiers: embedded streams-local and the production
 * streams-server under Bun with api-key auth.
 */
import { stream as durableStream } from "@durable-streams/client";
import { materialize, type ChatEvent } from "@open-chat/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { apiClient, assistantOf, eventsOf, isTerminalFor, lastControlId, readSse, readUntilMidAnswer, type SseFrame } from "./helpers/api.js";
import { DEFAULT_SETTINGS } from "../src/settings.js";
import { forEachStreamsBackend } from "./helpers/streams.js";

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i} `);

forEachStreamsBackend((backend) => {
  let server: TestServer;
  let token: string;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer({ streams: { url: backend().url, apiKey: backend().apiKey }, gateModel: true });
    token = await signInAsGuest(server.url);
    api = apiClient(server.url, token);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => server?.modelGate?.open()); // a failed test never leaves the next one's answer held

  /** Sends `text` and returns the 202 body. */
  async function send(chatId: string, clientMessageId: string, text = "hello") {
    const reply = await api.send(chatId, { clientMessageId, text });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    return reply.body as { userMessageId: string; assistantMessageId: string; offset: string };
  }

  /** Reads the SSE tail from the start until the message ends. */
  const tailUntilEnd = (chatId: string, messageId: string, from: { offset?: string; lastEventId?: string } = {}) =>
    readSse(server.url, token, chatId, { ...from, until: (frames) => isTerminalFor(messageId)(eventsOf(frames)) });

  it("appends every delta in order: the log's text equals the model's text", async () => {
    const tokens = words(120);
    server.model.enqueue({ tokens, tokenDelayMs: 1 });
    const chat = await api.createChat();
    const turn = await send(chat.id, "full-1", "tell me");
    const frames = await tailUntilEnd(chat.id, turn.assistantMessageId);
    const events = eventsOf(frames);
    const deltas = events.filter((e): e is Extract<ChatEvent, { type: "message.delta" }> => e.type === "message.delta");
    expect(deltas.map((d) => d.text).join("")).toBe(tokens.join(""));
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(["message.created", "message.created", "generation.started"]);
    expect(events.at(-1)).toMatchObject({ type: "message.completed", finishReason: "stop", usage: { outputTokens: tokens.length } });
    const state = materialize(events);
    expect(state.messages).toMatchObject([
      { id: turn.userMessageId, role: "user", text: "tell me", clientId: "full-1", status: "completed" },
      { id: turn.assistantMessageId, role: "assistant", text: tokens.join(""), status: "completed", model: "test-model" },
    ]);
    expect(state.skipped + state.duplicates + state.ignored).toBe(0);
    // The model saw the user's message.
    expect(server.model.requests.at(-1)?.body.messages.at(-1)).toEqual({ role: "user", content: "tell me" });
    // Group commit: far fewer deltas in the log than tokens from the model is allowed, but
    // never more; each SSE frame's id is a resumable offset.
    expect(deltas.length).toBeLessThanOrEqual(tokens.length);
    for (const frame of frames.filter((f) => f.event === "control")) expect(frame.id).toBe(JSON.parse(frame.data).streamNextOffset);
  });

  it("resumes exactly from Last-Event-ID: no duplicate, no gap", async () => {
    const tokens = words(200);
    server.model.enqueue({ tokens });
    const chat = await api.createChat();
    // The gate lets the model out a few words and holds the rest: the first read ends mid-answer.
    server.modelGate!.hold();
    const { frames: first, sent: turn } = await readUntilMidAnswer(server.url, token, chat.id, async () => {
      const sent = await send(chat.id, "resume-1");
      await server.modelGate!.releaseText(20);
      return sent;
    });
    server.modelGate!.open();
    expect(isTerminalFor(turn.assistantMessageId)(eventsOf(first))).toBe(false);
    const resumeFrom = lastControlId(first)!;
    expect(resumeFrom).toBeTruthy();
    const second = await tailUntilEnd(chat.id, turn.assistantMessageId, { lastEventId: resumeFrom });
    const union = [...eventsOf(first), ...eventsOf(second)];
    const ids = union.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length); // no event delivered twice
    const state = materialize(union);
    expect(state.duplicates).toBe(0);
    expect(assistantOf(union, turn.assistantMessageId)).toMatchObject({ text: tokens.join(""), status: "completed" });
    // Same answer through ?offset= (the query form of the same cursor).
    const viaQuery = await tailUntilEnd(chat.id, turn.assistantMessageId, { offset: resumeFrom });
    expect(eventsOf(viaQuery).map((e) => e.id)).toEqual(eventsOf(second).map((e) => e.id));
  });

  it("gives two concurrent tails identical event sequences", async () => {
    server.model.enqueue({ tokens: words(80), tokenDelayMs: 2 });
    const chat = await api.createChat();
    const gate = Promise.withResolvers<void>();
    let opened = 0;
    const onResponse = () => ++opened === 2 && gate.resolve();
    const tails = [0, 1].map(() =>
      readSse(server.url, token, chat.id, { onResponse, until: (frames) => eventsOf(frames).some((e) => e.type === "message.completed") }),
    );
    await gate.promise;
    await send(chat.id, "two-tails");
    const [a, b] = (await Promise.all(tails)) as [SseFrame[], SseFrame[]];
    expect(eventsOf(a).map((e) => e.id)).toEqual(eventsOf(b).map((e) => e.id));
    expect(eventsOf(a)).toEqual(eventsOf(b));
  });

  it("finishes the answer in the log when the client disconnects mid-generation", async () => {
    const tokens = words(60);
    server.model.enqueue({ tokens });
    const chat = await api.createChat();
    server.modelGate!.hold(); // the answer is still being generated when the reader leaves
    const turn = await send(chat.id, "disconnect-1");
    await server.modelGate!.releaseText(1);
    const read = await readSse(server.url, token, chat.id, { until: (frames) => eventsOf(frames).some((e) => e.type === "message.delta") });
    expect(isTerminalFor(turn.assistantMessageId)(eventsOf(read))).toBe(false);
    server.modelGate!.open();
    await server.services.generations.idle();
    const { events } = await api.readAll(chat.id);
    expect(assistantOf(events, turn.assistantMessageId)).toMatchObject({ text: tokens.join(""), status: "completed" });
  });

  it("records a model failure before streaming as message.error", async () => {
    server.model.enqueue({ failure: { kind: "http", status: 503 } });
    const chat = await api.createChat();
    const turn = await send(chat.id, "fail-before");
    const events = eventsOf(await tailUntilEnd(chat.id, turn.assistantMessageId));
    expect(events.at(-1)).toMatchObject({ type: "message.error", code: "model_unavailable", retryable: true });
    expect(assistantOf(events, turn.assistantMessageId)).toMatchObject({ status: "error", text: "" });
  });

  it("keeps the partial text when the model fails mid-stream", async () => {
    const tokens = words(20);
    server.model.enqueue({ tokens, failure: { kind: "abort", afterTokens: 7 } });
    const chat = await api.createChat();
    const turn = await send(chat.id, "fail-during");
    const events = eventsOf(await tailUntilEnd(chat.id, turn.assistantMessageId));
    expect(events.at(-1)).toMatchObject({ type: "message.error", retryable: true });
    expect(assistantOf(events, turn.assistantMessageId)).toMatchObject({ status: "error", text: tokens.slice(0, 7).join("") });
  });

  it("ends a stalled model with model_timeout (idle watchdog)", async () => {
    const stalled = await startTestServer({
      streams: { url: backend().url, apiKey: backend().apiKey },
      settings: { generation: { ...DEFAULT_SETTINGS.generation, idleMs: 300 } },
    });
    try {
      const t = await signInAsGuest(stalled.url);
      const client = apiClient(stalled.url, t);
      stalled.model.enqueue({ tokens: words(10), failure: { kind: "stall", afterTokens: 3 } });
      const chat = await client.createChat();
      const turn = (await client.send(chat.id, { clientMessageId: "stall-1", text: "hi" })).body;
      await stalled.services.generations.idle();
      const { events } = await client.readAll(chat.id);
      expect(events.at(-1)).toMatchObject({ type: "message.error", code: "model_timeout", retryable: true });
      expect(assistantOf(events, turn.assistantMessageId)?.text).toBe(words(3).join(""));
    } finally {
      await stalled.close();
    }
  });

  it("treats a retried send (same clientMessageId) as one turn", async () => {
    server.model.enqueue({ tokens: words(5) });
    const chat = await api.createChat();
    const before = server.model.requests.length;
    const first = await send(chat.id, "retry-1", "once");
    const again = await api.send(chat.id, { clientMessageId: "retry-1", text: "once" });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first);
    await server.services.generations.idle();
    const later = await api.send(chat.id, { clientMessageId: "retry-1", text: "once" });
    expect(later.body).toEqual(first);
    const { events } = await api.readAll(chat.id);
    expect(materialize(events).messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(server.model.requests.length - before).toBe(1);
  });

  it("refuses a second send while an answer is generating, then accepts it", async () => {
    server.model.enqueue({ tokens: words(10), failure: { kind: "stall", afterTokens: 2 } });
    const chat = await api.createChat();
    await send(chat.id, "busy-1");
    const busy = await api.send(chat.id, { clientMessageId: "busy-2", text: "next" });
    expect(busy).toMatchObject({ status: 409, body: { error: { code: "generation_in_progress" } } });
    const stop = await api.call("POST", `/v1/chats/${chat.id}/stop`);
    expect(stop).toMatchObject({ status: 202, body: { stopped: true } });
    await server.services.generations.idle();
    const { events } = await api.readAll(chat.id);
    expect(events.at(-1)).toMatchObject({ type: "message.stopped", by: "user" });
    server.model.enqueue({ tokens: words(3) });
    await send(chat.id, "busy-2", "next");
    await server.services.generations.idle();
    const after = materialize((await api.readAll(chat.id)).events);
    expect(after.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "stopped"],
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    // The second prompt carried the history, including the stopped partial answer.
    expect(server.model.requests.at(-1)?.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("serves catch-up JSON and long-poll per the Durable Streams read protocol", async () => {
    server.model.enqueue({ tokens: words(4) });
    const chat = await api.createChat();
    await send(chat.id, "poll-1");
    await server.services.generations.idle();
    const catchUp = await api.call("GET", `/v1/chats/${chat.id}/events?offset=-1`);
    expect(catchUp.status).toBe(200);
    expect(catchUp.headers.get("stream-up-to-date")).toBe("true");
    expect(catchUp.headers.get("cache-control")).toBe("no-store");
    expect(catchUp.body.at(-1).type).toBe("message.completed");
    const tail = catchUp.headers.get("stream-next-offset")!;
    const idle = await api.call("GET", `/v1/chats/${chat.id}/events?offset=${tail}&live=long-poll`);
    expect(idle.status).toBe(204);
    expect(idle.headers.get("stream-next-offset")).toBe(tail);
    // A long-poll waiting at the tail is woken by the next turn.
    server.model.enqueue({ tokens: words(2) });
    const woken = api.call("GET", `/v1/chats/${chat.id}/events?offset=${tail}&live=long-poll`);
    await send(chat.id, "poll-2");
    const reply = await woken;
    expect(reply.status).toBe(200);
    expect(reply.body[0]).toMatchObject({ type: "message.created", role: "user" });
  });

  it("can be tailed by the official @durable-streams/client with an Authorization header", async () => {
    const tokens = words(30);
    server.model.enqueue({ tokens, tokenDelayMs: 1 });
    const chat = await api.createChat();
    const url = `${server.url}/v1/chats/${chat.id}/events`;
    const headers = { Authorization: `Bearer ${token}` };
    const turn = await send(chat.id, "official-1");
    // Live over SSE while the answer streams.
    const live = await durableStream<ChatEvent>({ url, headers, live: "sse", warnOnHttp: false });
    const seen: ChatEvent[] = [];
    const ended = Promise.withResolvers<void>();
    const unsubscribe = live.subscribeJson((batch) => {
      seen.push(...batch.items);
      if (isTerminalFor(turn.assistantMessageId)(seen)) ended.resolve();
    });
    await ended.promise;
    unsubscribe();
    live.cancel();
    expect(assistantOf(seen, turn.assistantMessageId)).toMatchObject({ text: tokens.join(""), status: "completed" });
    // Catch-up JSON.
    const catchUp = await durableStream<ChatEvent>({ url, headers, live: false, warnOnHttp: false });
    expect(await catchUp.json()).toEqual(seen);
  });
});
