/**
 * Versions against the real server: a regenerate is one turn across a lost response and a
 * reload; an edit is a new version of the question (shown in its place at once) and a new
 * answer; selecting a version switches the tail's thread; feedback lands in the log.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { EVENT_TYPE, type ChatEvent, type MessageCreatedEvent } from "@open-chat/shared";
import { createChatClient, manualNetwork, memoryStorage, OpenChatError, type ChatClient, type ChatTail, type TailState } from "../src/index.js";
import { recordingFetch } from "./helpers/fetch.js";
import { readLog, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { answered, assistants, isDone, storedToken } from "./helpers/util.js";

let server: TestServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startTcpProxy(server.url);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

const fast = { initialDelayMs: 10, maxDelayMs: 100 };
const created = (events: ChatEvent[]) => events.filter((e): e is MessageCreatedEvent => e.type === EVENT_TYPE.messageCreated);
const regenerateCalls = (calls: ReturnType<typeof recordingFetch>["calls"]) => calls.filter((c) => c.method === "POST" && c.url.pathname.endsWith("/regenerate"));
/** Every message the log has (all versions) has ended, and there are `count` answers among them. */
const allAnswered = (count: number) => (state: TailState) => state.log.messages.filter((m) => m.role === "assistant").length === count && state.log.messages.every(isDone);
const texts = (state: TailState) => state.messages.map((m) => `${m.role}:${m.status}`);

/** A chat with one answered question; returns the client, the tail and the answer's id. */
async function answeredChat(client: ChatClient, text = "question [[tokens:4]]"): Promise<{ chatId: string; tail: ChatTail; answerId: string; questionId: string }> {
  const chat = await client.createChat();
  const tail = client.openChat(chat.id);
  const sent = await client.send(chat.id, text);
  await tail.until(answered(1));
  return { chatId: chat.id, tail, answerId: sent.assistantMessageId, questionId: sent.userMessageId };
}

describe("regenerate", () => {
  test("a regenerate whose response is lost is retried with the same clientMessageId: one new version", async () => {
    const storage = memoryStorage();
    const recorder = recordingFetch();
    const client = createChatClient({ baseUrl: proxy.url, storage, fetch: recorder.fetch, reconnect: fast });
    const { chatId, tail, answerId, questionId } = await answeredChat(client);

    proxy.dropResponses((line) => line === `POST /v1/chats/${chatId}/messages/${answerId}/regenerate`, 1);
    const result = await client.regenerate(chatId, answerId);
    expect(result.userMessageId).toBe(questionId);
    await tail.until(allAnswered(2));
    await server.idle();

    const posts = regenerateCalls(recorder.calls);
    expect(posts.length).toBe(2);
    expect(posts.map((p) => JSON.parse(p.body!).clientMessageId)).toEqual([result.clientMessageId, result.clientMessageId]);
    const log = await readLog(server.url, await storedToken(storage), chatId);
    const versions = created(log.events).filter((e) => e.versionOf === answerId);
    expect(versions.map((e) => e.messageId)).toEqual([result.assistantMessageId]);
    expect(created(log.events).filter((e) => e.role === "user")).toHaveLength(1);

    // The thread shows the new answer in the old one's place, "2/2".
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.messages.map((m) => m.id)).toEqual([questionId, result.assistantMessageId]);
    expect(tail.state.versions(result.assistantMessageId)).toEqual({ ids: [answerId, result.assistantMessageId], index: 1 });
    expect(tail.state.log.messages).toHaveLength(3);
    await tail.close();
    await client.close();
  });

  test("a regenerate queued offline survives a reload: the next client sends it, once", async () => {
    const storage = memoryStorage();
    const first = createChatClient({ baseUrl: server.url, storage, network: manualNetwork(true), reconnect: fast });
    const { chatId, tail, answerId } = await answeredChat(first);
    await tail.close();
    await first.close();

    const offline = createChatClient({ baseUrl: server.url, storage, network: manualNetwork(false), reconnect: fast });
    void offline.regenerate(chatId, answerId).catch(() => {}); // settles in the next client
    const queued = await offline.outbox();
    expect(queued).toMatchObject([{ kind: "regenerate", chatId, messageId: answerId }]);
    await offline.close();

    const after = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const reopened = after.openChat(chatId);
    await reopened.until(allAnswered(2));
    await server.idle();
    // The same clientMessageId again (as a page would after another reload): the same turn.
    const again = await after.regenerate(chatId, answerId, { clientMessageId: queued[0]!.clientMessageId });
    const log = await readLog(server.url, await storedToken(storage), chatId);
    const versions = created(log.events).filter((e) => e.versionOf === answerId);
    expect(versions.map((e) => e.messageId)).toEqual([again.assistantMessageId]);
    expect(await after.outbox()).toEqual([]);
    await reopened.close();
    await after.close();
  });

  test("regenerating a user message is refused (400): the outbox drops it and the call rejects", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage(), reconnect: fast });
    const { chatId, tail, questionId } = await answeredChat(client);
    const refused = await client.regenerate(chatId, questionId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenChatError);
    expect((refused as OpenChatError).status).toBe(400);
    expect(await client.outbox()).toEqual([]);
    await tail.close();
    await client.close();
  });
});

describe("edit", () => {
  test("an edit shows in the edited question's place at once, then is a new version with its own answer", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const { chatId, tail, questionId, answerId } = await answeredChat(client, "first question [[tokens:3]]");
    const second = await client.send(chatId, "second question [[tokens:3]]");
    await tail.until(answered(2));

    const editing = client.edit(chatId, questionId, "first question, better [[tokens:3]]");
    // The pending edit replaces the edited question and everything under it.
    expect(tail.state.messages.map((m) => [m.role, m.status, m.text])).toEqual([["user", "pending", "first question, better [[tokens:3]]"]]);
    const result = await editing;
    await tail.until(allAnswered(3));
    expect(tail.state.messages.map((m) => m.id)).toEqual([result.userMessageId, result.assistantMessageId]);
    expect(tail.state.versions(result.userMessageId)).toEqual({ ids: [questionId, result.userMessageId], index: 1 });
    expect(tail.state.pending).toEqual([]);
    await server.idle();

    const log = await readLog(server.url, await storedToken(storage), chatId);
    const users = created(log.events).filter((e) => e.role === "user");
    expect(users.map((e) => [e.messageId, e.versionOf])).toEqual([
      [questionId, undefined],
      [second.userMessageId, undefined],
      [result.userMessageId, questionId],
    ]);
    // The old thread is still there, one selection away.
    await client.selectVersion(chatId, questionId);
    await tail.until((state) => state.messages[0]?.id === questionId);
    expect(tail.state.messages.map((m) => m.id)).toEqual([questionId, answerId, second.userMessageId, second.assistantMessageId]);
    expect(texts(tail.state)).toEqual(["user:completed", "assistant:completed", "user:completed", "assistant:completed"]);
    expect(tail.state.versions(questionId)).toEqual({ ids: [questionId, result.userMessageId], index: 0 });
    await tail.close();
    await client.close();
  });
});

describe("select and feedback", () => {
  test("selectVersion switches the tail's thread to the chosen version", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage(), reconnect: fast });
    const { chatId, tail, answerId, questionId } = await answeredChat(client);
    const regenerated = await client.regenerate(chatId, answerId);
    await tail.until(allAnswered(2));
    expect(tail.state.messages.map((m) => m.id)).toEqual([questionId, regenerated.assistantMessageId]);

    const selected = await client.selectVersion(chatId, answerId);
    expect(typeof selected.offset).toBe("string");
    await tail.until((_, c) => c.offset >= selected.offset);
    expect(tail.state.messages.map((m) => m.id)).toEqual([questionId, answerId]);
    expect(tail.state.versions(answerId)).toEqual({ ids: [answerId, regenerated.assistantMessageId], index: 0 });
    expect(assistants(tail.state)).toHaveLength(1);
    await tail.close();
    await client.close();
  });

  test("feedback: 👍 with a comment lands on the answer, null clears it, a long comment is refused", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const { chatId, tail, answerId, questionId } = await answeredChat(client);

    const rated = await client.feedback(chatId, answerId, { rating: "up", comment: "clear and short" });
    await tail.until((_, c) => c.offset >= rated.offset);
    expect(tail.state.messages.find((m) => m.id === answerId)).toMatchObject({ feedback: { rating: "up", comment: "clear and short" } });

    const cleared = await client.feedback(chatId, answerId, { rating: null });
    await tail.until((_, c) => c.offset >= cleared.offset);
    expect(tail.state.messages.find((m) => m.id === answerId)).not.toHaveProperty("feedback");

    const tooLong = await client.feedback(chatId, answerId, { rating: "down", comment: "x".repeat(2001) }).catch((e: unknown) => e);
    expect(tooLong).toMatchObject({ status: 400, code: "invalid_request" });
    const onQuestion = await client.feedback(chatId, questionId, { rating: "down" }).catch((e: unknown) => e);
    expect(onQuestion).toBeInstanceOf(OpenChatError);
    expect([400, 404]).toContain((onQuestion as OpenChatError).status);

    const log = await readLog(server.url, await storedToken(storage), chatId);
    const feedback = log.events.filter((e) => e.type === EVENT_TYPE.messageFeedback);
    expect(feedback.map((e) => [e.messageId, e.rating])).toEqual([
      [answerId, "up"],
      [answerId, null],
    ]);
    await tail.close();
    await client.close();
  });
});

describe("busy chat", () => {
  let gated: TestServer;
  beforeAll(async () => {
    gated = await startTestServer({ gateModel: true });
  });
  afterAll(async () => {
    await gated?.modelGate?.open();
    await gated?.close();
  });

  test("a regenerate while another answer streams meets 409 and goes out, once, when that answer ended", async () => {
    const recorder = recordingFetch();
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: gated.url, storage, fetch: recorder.fetch, reconnect: fast });
    const { chatId, tail, answerId } = await answeredChat(client);
    gated.modelGate!.hold();
    const running = await client.send(chatId, "second question [[tokens:20]]");
    const regenerating = client.regenerate(chatId, answerId);
    await vi.waitFor(() => expect(regenerateCalls(recorder.calls).some((c) => c.status === 409)).toBe(true), { timeout: 30_000, interval: 10 });
    gated.modelGate!.open();
    const result = await regenerating;
    await tail.until(allAnswered(3));
    await gated.idle();
    const log = await readLog(gated.url, await storedToken(storage), chatId);
    expect(created(log.events).filter((e) => e.versionOf === answerId).map((e) => e.messageId)).toEqual([result.assistantMessageId]);
    expect(regenerateCalls(recorder.calls).filter((c) => c.status === 202)).toHaveLength(1);
    // The new version began only after the running answer had ended.
    const ended = log.events.findIndex((e) => e.type === EVENT_TYPE.messageCompleted && e.messageId === running.assistantMessageId);
    const began = log.events.findIndex((e) => e.type === EVENT_TYPE.messageCreated && e.messageId === result.assistantMessageId);
    expect(ended).toBeGreaterThan(-1);
    expect(began).toBeGreaterThan(ended);
    await tail.close();
    await client.close();
  });
});
