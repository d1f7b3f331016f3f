/**
 * Lease takeover in one process, deterministic: a turn left behind by a "dead" holder is written
 * by hand (its opening events and partial text in the log, its lease on the chat row), then the
 * sweeper runs a pass (`takeover.sweep()`) instead of waiting for its interval. Covers continue,
 * stop of a dead holder's turn, the close-with-error verdict, the resume cap, continuation off,
 * fencing of a live holder whose lease was taken, 409 retryAfterMs, idempotent chat creation and
 * the SSE data frame's `id:`.
 */
import { API_PATH, EVENT_TYPE, HEADER, type ChatEvent, type EventPayload } from "@open-chat/shared";
import { readLog, signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generationProducers } from "../src/generation/producers.js";
import { continueAfter } from "../src/model-server/continuation.js";
import { tokenize } from "../src/model-server/index.js";
import { createEventFactory } from "../src/log/event-factory.js";
import { chatKey, userStreamName } from "../src/log/stream-names.js";
import { authorized, createChat, send } from "./chaos/chat-watch.js";
import { uninterrupted } from "./chaos/fixture.js";
import { sample } from "./helpers/metrics.js";

const LEASE_MS = 60_000; // sweeps are explicit here; no lease lapses on its own during a test
const takeover = { sweepMs: 600_000, continueAnswers: true, maxResumes: 2 };

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ settings: { takeover, generation: { idleMs: 30_000, totalMs: 60_000, leaseMs: LEASE_MS, appendIntervalMs: 5, outageMs: 5_000 } } });
  token = await signInAsGuest(server.url);
}, 60_000);
afterAll(() => server?.close());

let turnSeq = 0;
/**
 * A turn whose holder died: opening events + `partial` as one delta (+ `resumes` earlier
 * takeovers) in the log, and a lease held by "dead" that lapses `expiresInMs` from now.
 */
async function abandonedTurn(prompt: string, partial: string, row: { expiresInMs?: number; stopRequestedBy?: "user"; closeWithError?: string; resumes?: number } = {}) {
  const chatId = await createChat(server.url, token);
  const { userId, tenantId } = await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
  const { name: stream } = await server.services.ensureUserStream({ id: userId, tenantId });
  const assistant = `msg_dead_${++turnSeq}`;
  const { producerId, eventProducer } = generationProducers(assistant, 0);
  const events = createEventFactory(eventProducer, () => new Date());
  const base = { chatId, messageId: assistant };
  const payloads: EventPayload[] = [
    { type: EVENT_TYPE.messageCreated, chatId, messageId: `msg_user_${turnSeq}`, role: "user", text: prompt, clientId: `c${turnSeq}` },
    { type: EVENT_TYPE.messageCreated, ...base, role: "assistant", text: "", model: "test-model" },
    { type: EVENT_TYPE.generationStarted, ...base, holder: "dead", model: "test-model" },
    ...(partial ? [{ type: EVENT_TYPE.messageDelta, ...base, text: partial } as const] : []),
    ...Array.from({ length: row.resumes ?? 0 }, () => ({ type: EVENT_TYPE.generationResumed, ...base, holder: "dead", reason: "lease_expired" }) as const),
  ];
  await server.services.streams.append(stream, payloads.map((p) => events.make(p)), { key: chatKey(chatId), producer: { id: producerId, epoch: 0, seq: 0 } });
  await server.services.prisma.chat.update({
    where: { id: chatId },
    data: {
      activeGenerationId: assistant,
      leaseHolder: "dead",
      leaseExpiresAt: new Date(Date.now() + (row.expiresInMs ?? -1)),
      stopRequestedBy: row.stopRequestedBy ?? null,
      stopRequestedAt: row.stopRequestedBy ? new Date() : null,
      closeWithError: row.closeWithError ?? null,
    },
  });
  return { chatId, assistant, stream };
}

async function settle(chatId: string) {
  await server.server.takeover.sweep();
  await server.idle();
  const log = await readLog(server.url, token, chatId);
  return { ...log, lease: await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } }) };
}

const typesOf = (events: ChatEvent[], messageId: string) => events.filter((e) => "messageId" in e && e.messageId === messageId).map((e) => e.type);

describe("takeover of a dead holder's turn", () => {
  it("continues the answer: generation.resumed, then the rest, equal to the uninterrupted answer", async () => {
    const prompt = "continue me [[tokens:40]]";
    const whole = await uninterrupted(server.model, prompt);
    const partial = whole.slice(0, 97);
    const { chatId, assistant } = await abandonedTurn(prompt, partial);
    const continued = async () => sample(await server.services.metrics.registry.metrics(), "open_chat_takeovers_total", { outcome: "continued" })!;
    const continuedBefore = await continued();

    const { state, events, lease } = await settle(chatId);
    expect(await continued()).toBe(continuedBefore + 1);
    const answer = state.messages.find((m) => m.id === assistant)!;
    expect(answer).toMatchObject({ status: "completed", text: whole, generation: { resumes: 1 } });
    expect(typesOf(events, assistant)).toEqual(["message.created", "generation.started", "message.delta", "generation.resumed", ...Array(typesOf(events, assistant).length - 5).fill("message.delta"), "message.completed"]);
    // The continuation's request ended with the partial answer as an assistant message.
    const request = server.model.requests.at(-1)!.body.messages;
    expect(request.at(-1)).toEqual({ role: "assistant", content: partial });
    // Usage covers both attempts: the continuation's chunks plus the dead attempt's estimate.
    const continuationChunks = continueAfter(tokenize(whole), partial)!.tokens.length;
    expect(answer.usage!.outputTokens).toBe(continuationChunks + Math.ceil(partial.length / 4));
    expect(lease).toMatchObject({ activeGenerationId: null, generationEpoch: 1 });
  });

  it("ends a stopped dead holder's turn as stopped, never continued", async () => {
    const { chatId, assistant } = await abandonedTurn("stop me [[tokens:40]]", "lorem ipsum", { expiresInMs: -1, stopRequestedBy: "user" });
    const { state, events } = await settle(chatId);
    expect(state.messages.find((m) => m.id === assistant)).toMatchObject({ status: "stopped", stoppedBy: "user", text: "lorem ipsum" });
    expect(typesOf(events, assistant)).not.toContain("generation.resumed");
  });

  it("POST /stop on a turn whose holder is gone ends it at once, without waiting for a sweep", async () => {
    const { chatId, assistant } = await abandonedTurn("stop now [[tokens:40]]", "lorem");
    const response = await fetch(`${server.url}${API_PATH.stop(chatId)}`, { method: "POST", headers: authorized(token), body: "{}" });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ stopped: true });
    const { state } = await readLog(server.url, token, chatId);
    expect(state.messages.find((m) => m.id === assistant)).toMatchObject({ status: "stopped", stoppedBy: "user" });
    // Stopping again is harmless: nothing runs any more.
    const again = await fetch(`${server.url}${API_PATH.stop(chatId)}`, { method: "POST", headers: authorized(token), body: "{}" });
    expect(await again.json()).toEqual({ stopped: false });
  });

  it("closes the turn with the holder's verdict (streams_unavailable) instead of continuing", async () => {
    const { chatId, assistant } = await abandonedTurn("gave up [[tokens:40]]", "lorem", { closeWithError: "streams_unavailable" });
    const { state } = await settle(chatId);
    expect(state.messages.find((m) => m.id === assistant)).toMatchObject({ status: "error", error: { code: "streams_unavailable", retryable: true } });
  });

  it("closes an answer taken over too often as generation_lost (retryable)", async () => {
    const { chatId, assistant } = await abandonedTurn("again and again [[tokens:40]]", "lorem", { resumes: takeover.maxResumes });
    const { state } = await settle(chatId);
    expect(state.messages.find((m) => m.id === assistant)).toMatchObject({ status: "error", error: { code: "generation_lost", retryable: true } });
  });

  it("releases a lease whose answer already ended or never reached the log", async () => {
    const chatId = await createChat(server.url, token);
    await server.services.prisma.chat.update({ where: { id: chatId }, data: { activeGenerationId: "msg_never_appended", leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1) } });
    const { events, lease } = await settle(chatId);
    expect(events).toEqual([]);
    expect(lease.activeGenerationId).toBeNull();
  });
});

describe("a send whose opening landed but whose offset was not recorded", () => {
  it("is answered by the takeover, which records the offset: the send's retry returns the turn, nothing runs twice", async () => {
    const prisma = server.services.prisma;
    const chatId = await createChat(server.url, token);
    const clientMessageId = "offset-not-recorded";
    // Postgres fails the one statement that records the send's offset (after its opening append).
    await prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_turn_offset() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'connection lost' USING ERRCODE = '08006'; END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_turn_offset BEFORE UPDATE OF "offset" ON "turn"
      FOR EACH ROW WHEN (NEW."clientMessageId" = '${clientMessageId}') EXECUTE FUNCTION refuse_turn_offset()`);
    const prompt = "record me later [[tokens:30]]";
    const post = () => fetch(`${server.url}${API_PATH.messages(chatId)}`, { method: "POST", headers: authorized(token), body: JSON.stringify({ clientMessageId, text: prompt }) });
    try {
      const first = await post();
      expect(first.status).toBe(503);
      await server.idle();
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER refuse_turn_offset ON "turn"`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION refuse_turn_offset()`);
    }
    // The opening is in the log, the answer wrote nothing, and the lease stayed: it lapses as if
    // this process had died right after the append.
    const before = await readLog(server.url, token, chatId);
    const answer = before.state.messages.find((m) => m.role === "assistant")!;
    expect(answer).toMatchObject({ status: "streaming", text: "" });
    expect((await prisma.turn.findFirstOrThrow({ where: { chatId } })).offset).toBeNull();
    await prisma.chat.update({ where: { id: chatId }, data: { leaseExpiresAt: new Date(Date.now() - 1) } });

    const settled = await settle(chatId);
    const { state, lease } = settled;
    expect(state.messages.find((m) => m.id === answer.id)).toMatchObject({ status: "completed", text: await uninterrupted(server.model, prompt) });
    expect(lease.activeGenerationId).toBeNull();
    const requests = server.model.requests.length;

    const retry = await post();
    expect(retry.status).toBe(202);
    const result = (await retry.json()) as { assistantMessageId: string; offset: string };
    expect(result.assistantMessageId).toBe(answer.id);
    await server.idle();
    // The retry started nothing: no model request, and the log is as the takeover left it.
    expect(server.model.requests.length).toBe(requests);
    const after = await readLog(server.url, token, chatId);
    expect(after.events).toEqual(settled.events);
    expect(after.state.messages.filter((m) => m.role === "assistant")).toHaveLength(1);
    // The recorded offset is one the chat's reads accept.
    const from = await fetch(`${server.url}${API_PATH.events(chatId)}?offset=${encodeURIComponent(result.offset)}`, { headers: authorized(token) });
    expect(from.status).toBe(200);
  });
});

describe("continuation turned off", () => {
  it("closes a dead holder's turn as generation_lost", async () => {
    const off = await startTestServer({ settings: { takeover: { ...takeover, continueAnswers: false } } });
    try {
      const offToken = await signInAsGuest(off.url);
      const chatId = await createChat(off.url, offToken);
      const { assistantMessageId } = await send(off.url, offToken, chatId, "hang [[tokens:40]] [[fail:stall:3]]");
      // Kill the holder without letting it write: a takeover by another holder fences it.
      await off.services.prisma.chat.update({ where: { id: chatId }, data: { leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1) } });
      await off.server.takeover.sweep();
      await off.services.generations.renewLeases(); // the stalled local holder learns it lost the lease
      await off.idle();
      const { state, events } = await readLog(off.url, offToken, chatId);
      expect(state.messages.find((m) => m.id === assistantMessageId)).toMatchObject({ status: "error", error: { code: "generation_lost" } });
      // Exactly one terminal event: the fenced holder wrote none.
      expect(events.filter((e) => "messageId" in e && e.messageId === assistantMessageId && ["message.completed", "message.error", "message.stopped"].includes(e.type))).toHaveLength(1);
    } finally {
      await off.close();
    }
  }, 60_000);
});

describe("a busy chat", () => {
  it("answers 409 generation_in_progress with when the running answer's lease lapses", async () => {
    const chatId = await createChat(server.url, token);
    await server.services.prisma.chat.update({ where: { id: chatId }, data: { activeGenerationId: "msg_busy", leaseHolder: "elsewhere", leaseExpiresAt: new Date(Date.now() + 20_000) } });
    const response = await fetch(`${server.url}${API_PATH.messages(chatId)}`, { method: "POST", headers: authorized(token), body: JSON.stringify({ clientMessageId: "busy-1", text: "hi" }) });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; retryAfterMs: number } };
    expect(body.error.code).toBe("generation_in_progress");
    expect(body.error.retryAfterMs).toBeGreaterThan(0);
    expect(body.error.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(Number(response.headers.get("Retry-After"))).toBe(Math.ceil(body.error.retryAfterMs / 1000));
  });

  it("whose lease has lapsed: retry after one sweep interval (the sweep takes it), not at once", async () => {
    const chatId = await createChat(server.url, token);
    await server.services.prisma.chat.update({ where: { id: chatId }, data: { activeGenerationId: "msg_lapsed", leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1_000) } });
    const response = await fetch(`${server.url}${API_PATH.messages(chatId)}`, { method: "POST", headers: authorized(token), body: JSON.stringify({ clientMessageId: "lapsed-1", text: "hi" }) });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; retryAfterMs: number } };
    expect(body.error).toMatchObject({ code: "generation_in_progress", retryAfterMs: takeover.sweepMs });
    expect(response.headers.get("Retry-After")).toBe(String(takeover.sweepMs / 1000));
  });
});

describe("POST /v1/chats with Idempotency-Key", () => {
  const create = (key?: string) =>
    fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: { ...authorized(token), ...(key ? { [HEADER.idempotencyKey]: key } : {}) }, body: JSON.stringify({ title: "once" }) });

  it("makes a retried create (also racing copies) one chat", async () => {
    const key = `key-${Date.now()}`;
    const responses = await Promise.all([create(key), create(key), create(key), create(key)]);
    const ids = await Promise.all(responses.map(async (r) => (expect(r.status).toBe(201), ((await r.json()) as { id: string }).id)));
    expect(new Set(ids).size).toBe(1);
    const later = await create(key);
    expect(((await later.json()) as { id: string }).id).toBe(ids[0]);
    const other = await create(`${key}-b`);
    expect(((await other.json()) as { id: string }).id).not.toBe(ids[0]);
  });

  it("refuses a malformed key with 400 invalid_request", async () => {
    const response = await create("no spaces allowed");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("SSE frames", () => {
  it("give the data frame the same id as its control frame", async () => {
    const chatId = await createChat(server.url, token);
    await send(server.url, token, chatId, "ids please [[tokens:5]]");
    await server.idle();
    const response = await fetch(`${server.url}${API_PATH.events(chatId)}?live=sse`, { headers: authorized(token) });
    const reader = response.body!.getReader();
    let text = "";
    while (!/event: control[^]*?\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = /event: data\ndata: .*\nid: (\S+)\n/.exec(text);
    const control = /event: control\ndata: .*\nid: (\S+)\n/.exec(text);
    expect(data?.[1]).toBeDefined();
    expect(data?.[1]).toBe(control?.[1]);
  });
});
