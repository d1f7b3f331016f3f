/**
 * Versions end to end (real server, real Postgres, embedded streams, our model server): a
 * regenerate and an edit are turns like a send — exactly once per clientMessageId, also for two
 * copies racing — and each answer's prompt is the thread above it (what the model server
 * received); selecting an old version makes the next send continue that thread; a regenerated
 * answer whose holder died is continued with the same prompt. Every refused request leaves the
 * log as it was.
 */
import { API_PATH, EVENT_TYPE, currentThread, messageVersions, type ChatEvent, type EventPayload } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generationProducers } from "../src/generation/producers.js";
import { createEventFactory } from "../src/log/event-factory.js";
import { chatKey } from "../src/log/stream-names.js";

let server: TestServer;
let site: TestTenant;
let token: string;

beforeAll(async () => {
  // Sweeps are explicit (a takeover test runs one); no lease lapses on its own during a test.
  server = await startTestServer({
    gateModel: true,
    settings: { takeover: { sweepMs: 600_000, continueAnswers: true, maxResumes: 2 }, generation: { idleMs: 30_000, totalMs: 60_000, leaseMs: 60_000, appendIntervalMs: 5, outageMs: 5_000 } },
  });
  site = await createTestTenant(server.services);
  token = await signInAsGuest(server.url, { publishableKey: site.publishableKey, origin: site.origin });
}, 60_000);
afterAll(() => server?.close());
afterEach(() => server?.modelGate?.open()); // a failed test never leaves the next one's answer held

async function call(method: string, path: string, body?: unknown, as = token): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...siteHeaders({ publishableKey: site.publishableKey, origin: site.origin }), Authorization: `Bearer ${as}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

type Turn = { userMessageId: string; assistantMessageId: string; offset: string };

const newChat = async () => (await call("POST", API_PATH.chats, {})).body.id as string;
const log = (chatId: string) => readLog(server.url, token, chatId, undefined, { publishableKey: site.publishableKey, origin: site.origin });

/** A turn that must be accepted; waits for its answer to end. */
async function accepted(path: string, body: object): Promise<Turn> {
  const reply = await call("POST", path, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  await server.idle();
  return reply.body;
}

const send = (chatId: string, clientMessageId: string, text: string, extra: object = {}) => accepted(API_PATH.messages(chatId), { clientMessageId, text, ...extra });
const regenerate = (chatId: string, answerId: string, clientMessageId: string) => accepted(API_PATH.regenerate(chatId, answerId), { clientMessageId });

/** The messages the model was asked to answer last (system prompt left out). */
const lastPrompt = () => server.model.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role !== "system");
const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map((m) => m.text);

describe("regenerate", () => {
  it("writes another version of the answer, replying to the same question without seeing the old answer", async () => {
    const chatId = await newChat();
    server.model.enqueue({ tokens: ["first ", "answer"] });
    const first = await send(chatId, "q1", "what is up?");
    server.model.enqueue({ tokens: ["second ", "answer"] });
    const again = await regenerate(chatId, first.assistantMessageId, "r1");

    expect(again.userMessageId).toBe(first.userMessageId);
    expect(again.assistantMessageId).not.toBe(first.assistantMessageId);
    expect(lastPrompt()).toEqual([{ role: "user", content: "what is up?" }]);
    const { state, events } = await log(chatId);
    const created = events.filter((e) => e.type === EVENT_TYPE.messageCreated);
    expect(created.at(-1)).toMatchObject({ messageId: again.assistantMessageId, role: "assistant", versionOf: first.assistantMessageId });
    expect(texts(currentThread(state))).toEqual(["what is up?", "second answer"]);
    expect(messageVersions(state, again.assistantMessageId)).toEqual({ ids: [first.assistantMessageId, again.assistantMessageId], index: 1 });
    expect(state.messages.find((m) => m.id === again.assistantMessageId)).toMatchObject({ status: "completed", parentId: first.userMessageId });
  });

  it("is exactly once per clientMessageId: a retry and two racing copies make one version and one model request", async () => {
    const chatId = await newChat();
    const first = await send(chatId, "q1", "race me");
    const requestsBefore = server.model.requests.length;
    const body = { clientMessageId: "r-race" };
    const replies = await Promise.all([0, 1].map(() => call("POST", API_PATH.regenerate(chatId, first.assistantMessageId), body)));
    await server.idle();
    // The loser of the race either returns the winner's turn or is told to retry (409, the same turn then).
    for (const reply of replies) expect([202, 409], JSON.stringify(reply.body)).toContain(reply.status);
    const won = replies.filter((r) => r.status === 202).map((r) => r.body as Turn);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const retried = await call("POST", API_PATH.regenerate(chatId, first.assistantMessageId), body);
    expect(retried.status).toBe(202);
    for (const turn of won) expect(turn.assistantMessageId).toBe(retried.body.assistantMessageId);
    await server.idle();

    const { state } = await log(chatId);
    expect(state.messages.filter((m) => m.role === "assistant")).toHaveLength(2);
    expect(server.model.requests.length - requestsBefore).toBe(1);
    expect(await server.services.prisma.turn.count({ where: { chatId } })).toBe(2);
  });

  it("continues a regenerated answer whose holder died with the same prompt (the old answer not in it)", async () => {
    const chatId = await newChat();
    server.model.enqueue({ tokens: ["the ", "old ", "answer"] });
    const first = await send(chatId, "q1", "tell me again [[tokens:30]]");
    // A regenerate whose holder died mid-answer: its opening and a partial text in the log, its lease on the chat row.
    const { userId, tenantId } = await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
    const { name: stream } = await server.services.ensureUserStream({ id: userId, tenantId });
    const answer = "msg_dead_regenerate";
    const { producerId, eventProducer } = generationProducers(answer, 0);
    const events = createEventFactory(eventProducer, () => new Date());
    const base = { chatId, messageId: answer };
    const payloads: EventPayload[] = [
      { type: EVENT_TYPE.messageCreated, ...base, role: "assistant", text: "", model: "test-model", versionOf: first.assistantMessageId },
      { type: EVENT_TYPE.generationStarted, ...base, holder: "dead", model: "test-model" },
      { type: EVENT_TYPE.messageDelta, ...base, text: "a new " },
    ];
    await server.services.streams.append(stream, payloads.map((p) => events.make(p)), { key: chatKey(chatId), producer: { id: producerId, epoch: 0, seq: 0 } });
    await server.services.prisma.chat.update({ where: { id: chatId }, data: { activeGenerationId: answer, leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1) } });

    await server.server.takeover.sweep();
    await server.idle();
    expect(lastPrompt()).toEqual([
      { role: "user", content: "tell me again [[tokens:30]]" },
      { role: "assistant", content: "a new " },
    ]);
    const { state } = await log(chatId);
    const continued = state.messages.find((m) => m.id === answer)!;
    expect(continued).toMatchObject({ status: "completed", parentId: first.userMessageId, generation: { resumes: 1 } });
    expect(continued.text.startsWith("a new ")).toBe(true);
    expect(currentThread(state).map((m) => m.id)).toEqual([first.userMessageId, answer]);
  });
});

describe("edit, regenerate, select", () => {
  it("an edit is answered from the thread above it; selecting an old version makes the next send continue that thread", async () => {
    const chatId = await newChat();
    server.model.enqueue({ tokens: ["A1"] });
    const q1 = await send(chatId, "c1", "Q1");
    server.model.enqueue({ tokens: ["A2"] });
    const q2 = await send(chatId, "c2", "Q2");
    expect(lastPrompt()).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
    ]);

    // Edit the first question: its answer replies to the edited question alone.
    server.model.enqueue({ tokens: ["B1"] });
    const edited = await send(chatId, "c3", "Q1 edited", { editOf: q1.userMessageId });
    expect(lastPrompt()).toEqual([{ role: "user", content: "Q1 edited" }]);
    const afterEdit = (await log(chatId)).state;
    expect(texts(currentThread(afterEdit))).toEqual(["Q1 edited", "B1"]);
    expect(messageVersions(afterEdit, edited.userMessageId)).toEqual({ ids: [q1.userMessageId, edited.userMessageId], index: 1 });
    // A retry of the edit is the same turn: no third version.
    const retried = await call("POST", API_PATH.messages(chatId), { clientMessageId: "c3", text: "Q1 edited", editOf: q1.userMessageId });
    expect(retried.body).toEqual(edited);

    // Regenerate the edited question's answer.
    server.model.enqueue({ tokens: ["B1'"] });
    await regenerate(chatId, edited.assistantMessageId, "c4");
    expect(lastPrompt()).toEqual([{ role: "user", content: "Q1 edited" }]);

    // Back to the first version of Q1: the thread under it (A1, Q2, A2) is shown again.
    const selected = await call("POST", API_PATH.select(chatId, q1.userMessageId), {});
    expect(selected.status).toBe(200);
    expect(selected.body.offset).toEqual(expect.any(String));
    const afterSelect = await log(chatId);
    expect(texts(currentThread(afterSelect.state))).toEqual(["Q1", "A1", "Q2", "A2"]);
    expect(afterSelect.events.at(-1)).toMatchObject({ type: EVENT_TYPE.messageSelected, messageId: q1.userMessageId });
    // The offset answered is where the tail finds the selection: reading from it gives nothing older.
    expect((await readLog(server.url, token, chatId, selected.body.offset, { publishableKey: site.publishableKey, origin: site.origin })).events).toEqual([]);

    server.model.enqueue({ tokens: ["A3"] });
    const q3 = await send(chatId, "c5", "Q3");
    expect(lastPrompt()).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
      { role: "assistant", content: "A2" },
      { role: "user", content: "Q3" },
    ]);
    const final = (await log(chatId)).state;
    expect(final.messages.find((m) => m.id === q3.userMessageId)?.parentId).toBe(q2.assistantMessageId);
    expect(texts(currentThread(final))).toEqual(["Q1", "A1", "Q2", "A2", "Q3", "A3"]);
  });
});

describe("refused requests leave the log as it was", () => {
  let chatId: string;
  let turn: Turn;
  beforeAll(async () => {
    chatId = await newChat();
    turn = await send(chatId, "base", "hello");
  });

  const expectError = (reply: { status: number; body: any }, status: number, code: string) => {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message).toEqual(expect.any(String));
  };

  it("answers each bad request with its status and code", async () => {
    const before = (await log(chatId)).events.length;
    const cases: Array<[string, string, unknown, number, string]> = [
      ["regenerate an unknown message", API_PATH.regenerate(chatId, "msg_nope"), { clientMessageId: "x1" }, 404, "message_not_found"],
      ["regenerate a user message", API_PATH.regenerate(chatId, turn.userMessageId), { clientMessageId: "x2" }, 400, "invalid_request"],
      ["regenerate a malformed id", `${API_PATH.chat(chatId)}/messages/${encodeURIComponent("a b")}/regenerate`, { clientMessageId: "x3" }, 404, "message_not_found"],
      ["regenerate without a clientMessageId", API_PATH.regenerate(chatId, turn.assistantMessageId), {}, 400, "invalid_request"],
      ["edit an answer", API_PATH.messages(chatId), { clientMessageId: "x4", text: "hi", editOf: turn.assistantMessageId }, 404, "message_not_found"],
      ["edit an unknown message", API_PATH.messages(chatId), { clientMessageId: "x5", text: "hi", editOf: "msg_nope" }, 404, "message_not_found"],
      ["edit with a malformed id", API_PATH.messages(chatId), { clientMessageId: "x6", text: "hi", editOf: "a b" }, 400, "invalid_request"],
      ["select an unknown message", API_PATH.select(chatId, "msg_nope"), {}, 404, "message_not_found"],
      ["select with a body", API_PATH.select(chatId, turn.userMessageId), { messageId: "x" }, 400, "invalid_request"],
      ["feedback on an unknown message", API_PATH.feedback(chatId, "msg_nope"), { rating: "up" }, 404, "message_not_found"],
      ["feedback on a user message", API_PATH.feedback(chatId, turn.userMessageId), { rating: "up" }, 400, "invalid_request"],
      ["a bad rating", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "meh" }, 400, "invalid_request"],
      ["no rating", API_PATH.feedback(chatId, turn.assistantMessageId), {}, 400, "invalid_request"],
      ["a comment too long", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "down", comment: "x".repeat(2001) }, 400, "invalid_request"],
      ["a NUL in the comment", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "down", comment: "bad\u0000" }, 400, "invalid_request"],
      ["a lone surrogate in the comment", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "down", comment: "bad\ud800" }, 400, "invalid_request"],
      ["a comment that clears", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: null, comment: "why" }, 400, "invalid_request"],
      ["malformed JSON", API_PATH.feedback(chatId, turn.assistantMessageId), "{", 400, "invalid_json"],
    ];
    const failures: string[] = [];
    for (const [name, path, body, status, code] of cases) {
      const reply = await call("POST", path, body);
      if (reply.status !== status || reply.body?.error?.code !== code) failures.push(`${name}: expected ${status} ${code}, got ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    expect(failures).toEqual([]);
    await server.idle();
    expect((await log(chatId)).events).toHaveLength(before);
    expect(await server.services.prisma.turn.count({ where: { chatId } })).toBe(1);
    expect(await server.services.prisma.feedback.count({ where: { chatId } })).toBe(0);
  });

  it("a comment of exactly the limit is taken", async () => {
    const reply = await call("POST", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "down", comment: "y".repeat(2000) });
    expect(reply.status).toBe(200);
    expect(await server.services.prisma.feedback.findUnique({ where: { messageId: turn.assistantMessageId } })).toMatchObject({ rating: "down", comment: "y".repeat(2000) });
  });

  it("another user's chat is a 404 chat_not_found on every message route, and nothing is appended", async () => {
    const stranger = await signInAsGuest(server.url, { publishableKey: site.publishableKey, origin: site.origin });
    const before = (await log(chatId)).events.length;
    expectError(await call("POST", API_PATH.regenerate(chatId, turn.assistantMessageId), { clientMessageId: "s1" }, stranger), 404, "chat_not_found");
    expectError(await call("POST", API_PATH.select(chatId, turn.assistantMessageId), {}, stranger), 404, "chat_not_found");
    expectError(await call("POST", API_PATH.feedback(chatId, turn.assistantMessageId), { rating: "up" }, stranger), 404, "chat_not_found");
    expectError(await call("POST", API_PATH.messages(chatId), { clientMessageId: "s2", text: "hi", editOf: turn.userMessageId }, stranger), 404, "chat_not_found");
    expect((await log(chatId)).events).toHaveLength(before);
  });

  it("while an answer is written: regenerate and select are 409 generation_in_progress, feedback on it 400", async () => {
    const busy = await newChat();
    const done = await send(busy, "b1", "first");
    server.modelGate!.hold();
    const running = await call("POST", API_PATH.messages(busy), { clientMessageId: "b2", text: "second [[tokens:200]]" });
    expect(running.status).toBe(202);
    await server.modelGate!.releaseText(10);
    // The running answer may still be appending what the gate let through: count everything else.
    const notDeltas = async () => (await log(busy)).events.filter((e: ChatEvent) => e.type !== EVENT_TYPE.messageDelta).length;
    const before = await notDeltas();

    expectError(await call("POST", API_PATH.regenerate(busy, done.assistantMessageId), { clientMessageId: "b3" }), 409, "generation_in_progress");
    expectError(await call("POST", API_PATH.regenerate(busy, running.body.assistantMessageId), { clientMessageId: "b4" }), 409, "generation_in_progress");
    expectError(await call("POST", API_PATH.select(busy, done.assistantMessageId), {}), 409, "generation_in_progress");
    expectError(await call("POST", API_PATH.messages(busy), { clientMessageId: "b5", text: "again", editOf: done.userMessageId }), 409, "generation_in_progress");
    expectError(await call("POST", API_PATH.feedback(busy, running.body.assistantMessageId), { rating: "up" }), 400, "invalid_request");
    expect(await notDeltas()).toBe(before);

    server.modelGate!.open();
    await server.idle();
    // Once it has ended, the same regenerate goes through.
    const after = await regenerate(busy, running.body.assistantMessageId, "b4");
    expect(after.userMessageId).toBe(running.body.userMessageId);
  });
});
