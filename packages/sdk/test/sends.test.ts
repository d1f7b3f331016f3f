/**
 * Sends against the real server: a retried send after a lost response is one turn, and the
 * outbox queues while offline and flushes in order, exactly once, across a reload too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { EVENT_TYPE, type ChatEvent } from "@open-chat/shared";
import { createChatClient, manualNetwork, memoryStorage, type TailState } from "../src/index.js";
import { storageKeys } from "../src/storage.js";
import { recordingFetch, sendCalls } from "./helpers/fetch.js";
import { readLog, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { answered, storedToken, users } from "./helpers/util.js";

let server: TestServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await startTestServer({ gateModel: true });
  proxy = await startTcpProxy(server.url);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});
afterEach(() => server?.modelGate?.open()); // a failed test never leaves the next one's answer held

const fast = { initialDelayMs: 10, maxDelayMs: 100 };
const userCreated = (events: unknown[]) =>
  (events as ChatEvent[]).filter((e): e is Extract<ChatEvent, { type: "message.created" }> => e.type === EVENT_TYPE.messageCreated && e.role === "user");

describe("lost response", () => {
  test("a createChat whose response is lost is retried with the same Idempotency-Key: one chat", async () => {
    const client = createChatClient({ baseUrl: proxy.url, storage: memoryStorage(), reconnect: fast });
    const before = (await client.listChats({ limit: 100 })).chats.length;
    proxy.dropResponses((line) => line === "POST /v1/chats", 1);
    const chat = await client.createChat({ title: "once" });
    const { chats } = await client.listChats({ limit: 100 });
    expect(chats.length).toBe(before + 1);
    expect(chats.filter((c) => c.title === "once").map((c) => c.id)).toEqual([chat.id]);
    expect(proxy.requests.filter((line) => line === "POST /v1/chats")).toHaveLength(2);
    await client.close();
  });

  test("a send whose response is lost is retried with the same clientMessageId: one turn, one user message", async () => {
    const storage = memoryStorage();
    const recorder = recordingFetch();
    const client = createChatClient({ baseUrl: proxy.url, storage, fetch: recorder.fetch, reconnect: fast });
    const chat = await client.createChat();
    const tail = client.openChat(chat.id);
    const userCounts: number[] = [];
    tail.subscribe((state: TailState) => userCounts.push(users(state).length));

    proxy.dropResponses((line) => line.startsWith(`POST /v1/chats/${chat.id}/messages`), 1);
    const result = await client.send(chat.id, "hello once [[tokens:8]]");
    await tail.until(answered(1));
    await server.idle();

    const posts = sendCalls(recorder.calls);
    expect(posts.length).toBe(2);
    expect(posts.map((p) => JSON.parse(p.body!).clientMessageId)).toEqual([result.clientMessageId, result.clientMessageId]);

    const log = await readLog(server.url, await storedToken(storage), chat.id);
    const created = userCreated(log.events);
    expect(created.length).toBe(1);
    expect(created[0]!.clientId).toBe(result.clientMessageId);
    expect(created[0]!.messageId).toBe(result.userMessageId);
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.log.messages).toEqual(log.state.messages);
    expect(tail.state.pending).toEqual([]);
    expect(users(tail.state).length).toBe(1);
    // From the first render on there was exactly one user message: no flicker, no duplicate.
    expect(userCounts.length).toBeGreaterThan(0);
    expect(new Set(userCounts)).toEqual(new Set([1]));
    await client.close();
  });
});

describe("offline outbox", () => {
  test("3 messages queued offline go out in order, exactly once, when the network returns", async () => {
    const storage = memoryStorage();
    const recorder = recordingFetch();
    const network = manualNetwork(true);
    const client = createChatClient({ baseUrl: server.url, storage, fetch: recorder.fetch, network, reconnect: fast });
    const chat = await client.createChat();
    const tail = client.openChat(chat.id);
    await tail.until((_, c) => c.status === "live");

    network.set(false);
    await tail.until((_, c) => c.status === "offline");
    const texts = ["first [[tokens:6]]", "second [[tokens:6]]", "third [[tokens:6]]"];
    const sends = texts.map((text) => client.send(chat.id, text));
    await tail.until((state) => state.pending.length === 3);
    expect(tail.state.messages.map((m) => [m.role, m.status, m.text])).toEqual(texts.map((t) => ["user", "pending", t]));
    expect((await client.outbox()).map((e) => e.text)).toEqual(texts);
    expect(JSON.parse((await storage.get(storageKeys(server.url).outbox))!).length).toBe(3);
    expect(sendCalls(recorder.calls)).toEqual([]);

    // The first answer is held mid-stream until the second send has met its 409: the conflict
    // this test is about happens on every machine, not only when the answer is slow enough.
    server.modelGate!.hold();
    network.set(true);
    await vi.waitFor(() => expect(sendCalls(recorder.calls).some((c) => c.status === 409)).toBe(true), { timeout: 30_000, interval: 10 });
    server.modelGate!.open();
    const results = await Promise.all(sends);
    await tail.until(answered(3));
    await server.idle();

    const log = await readLog(server.url, await storedToken(storage), chat.id);
    const created = userCreated(log.events);
    expect(created.map((e) => e.text)).toEqual(texts);
    expect(created.map((e) => e.clientId)).toEqual(results.map((r) => r.clientMessageId));
    expect(log.state.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
    expect(log.state.messages.every((m) => m.status === "completed")).toBe(true);
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.messages).toEqual(log.state.messages);
    expect(await client.outbox()).toEqual([]);
    expect(await storage.get(storageKeys(server.url).outbox)).toBeNull();
    // Sends 2 and 3 met 409 generation_in_progress (the previous answer was streaming) and were
    // retried after it ended; exactly three were accepted.
    const statuses = sendCalls(recorder.calls).map((c) => c.status);
    expect(statuses.filter((s) => s === 202).length).toBe(3);
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s !== 202 && s !== 409)).toEqual([]);
    await client.close();
  });

  test("the outbox survives a reload: a new client on the same storage shows and sends what the old one queued", async () => {
    const storage = memoryStorage();
    const offline = manualNetwork(false);
    const before = createChatClient({ baseUrl: server.url, storage, network: offline, reconnect: fast });
    const chat = await before.createChat();
    const texts = ["queued one [[tokens:4]]", "queued two [[tokens:4]]"];
    for (const text of texts) void before.send(chat.id, text);
    expect((await before.outbox()).map((e) => e.text)).toEqual(texts);
    await before.close();

    const after = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const tail = after.openChat(chat.id);
    await tail.ready;
    await tail.until(answered(2));
    await server.idle();
    const log = await readLog(server.url, await storedToken(storage), chat.id);
    expect(userCreated(log.events).map((e) => e.text)).toEqual(texts);
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.messages).toEqual(log.state.messages);
    await after.close();
  });
});
