/**
 * The chat API and bad input against the real server: chats CRUD and pagination; protocol errors surface as typed errors with codes,
 * network failures as TransportError, garbage on the tail is skipped and counted while the
 * tail keeps going, a refused token is replaced by signing in again, a deleted chat ends tails.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createChatClient, memoryStorage, OpenChatError, TransportError } from "../src/index.js";
import { EMPTY_CHAT_STATE, foldAll } from "@open-chat/shared";
import { decodeSnapshot, encodeSnapshot } from "../src/tail/snapshot.js";
import { storageKeys } from "../src/storage.js";
import { recordingFetch } from "./helpers/fetch.js";
import { startInjectProxy, type InjectProxy } from "./helpers/inject-proxy.js";
import { readLog, startTcpProxy, startTestServer, type TestServer } from "@open-chat/testing";
import { answered, storedToken } from "./helpers/util.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const fast = { initialDelayMs: 10, maxDelayMs: 100 };

describe("chats", () => {
  test("create, list newest first with a cursor, rename (the tail sees the title), stop", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
    const created = [];
    for (const title of ["one", "two", "three"]) created.push(await client.createChat({ title }));
    const first = await client.listChats({ limit: 2 });
    expect(first.chats.map((c) => c.title)).toEqual(["three", "two"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await client.listChats({ limit: 2, cursor: first.nextCursor! });
    expect(second.chats.map((c) => c.title)).toEqual(["one"]);
    expect(second.nextCursor).toBeNull();

    const tail = client.openChat(created[0]!.id);
    const renamed = await client.renameChat(created[0]!.id, "renamed");
    expect(renamed.title).toBe("renamed");
    await tail.until((state) => state.title === "renamed");
    expect(await client.stop(created[0]!.id)).toEqual({ stopped: false });
    await client.close();
  });
});

describe("typed errors", () => {
  test("send to an unknown chat rejects with OpenChatError chat_not_found (404); the pending message is failed", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
    const tail = client.openChat("chat_does_not_exist");
    const error = await client.send("chat_does_not_exist", "hello?").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenChatError);
    const protocolError = error as OpenChatError;
    expect(protocolError.status).toBe(404);
    expect(protocolError.code).toBe("chat_not_found");
    expect(protocolError.retryable).toBe(false);
    expect(protocolError.message.startsWith('[POST] "/v1/chats/chat_does_not_exist/messages": 404 chat_not_found')).toBe(true);
    // The tail of an unknown chat ends (404 is final) and keeps the failed message visible.
    await tail.until((_, c) => c.status === "closed");
    expect(tail.connection.closeReason).toBe("deleted");
    expect(tail.state.pending.map((m) => [m.status, (m.error as OpenChatError).code])).toEqual([["failed", "chat_not_found"]]);
    client.dismiss("chat_does_not_exist", tail.state.pending[0]!.clientId);
    expect(tail.state.messages).toEqual([]);
    await client.close();
  });

  test("invalid requests carry the server's code", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
    const chat = await client.createChat();
    await expect(client.renameChat(chat.id, "")).rejects.toMatchObject({ name: "OpenChatError", status: 400, code: "invalid_request" });
    await expect(client.listChats({ limit: 1000 })).rejects.toMatchObject({ status: 400, code: "invalid_request" });
    await expect(client.send(chat.id, "x".repeat(32_001))).rejects.toMatchObject({ status: 400, code: "text_too_long" });
    await client.close();
  });

  test("a network failure is a TransportError that keeps its cause", async () => {
    const proxy = await startTcpProxy(server.url);
    const url = proxy.url;
    await proxy.close(); // nothing listens there any more
    const client = createChatClient({ baseUrl: url, storage: memoryStorage(), getToken: () => "token" });
    const error = await client.listChats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).cause).toBeDefined();
    expect((error as TransportError).message.startsWith('[GET] "/v1/chats"')).toBe(true);
    await client.close();
  });

  test("a refused token is replaced: sign in again once and retry", async () => {
    const storage = memoryStorage([[storageKeys(server.url).token, "not-a-valid-token"]]);
    const recorder = recordingFetch();
    const client = createChatClient({ baseUrl: server.url, storage, fetch: recorder.fetch });
    const chat = await client.createChat({ title: "after 401" });
    expect(chat.title).toBe("after 401");
    expect(recorder.calls.map((c) => `${c.method} ${c.url.pathname} ${c.status}`)).toEqual([
      "POST /v1/chats 401",
      "POST /v1/auth/sign-in/anonymous 200",
      "POST /v1/chats 201",
    ]);
    expect(await storedToken(storage)).not.toBe("not-a-valid-token");
    await client.close();
  });
});

describe("bad frames", () => {
  let proxy: InjectProxy;
  beforeAll(async () => {
    proxy = await startInjectProxy(server.url, [
      "event: data\ndata: {this is not json\n\n",
      'event: data\ndata: {"not":"an array"}\n\n',
      "event: control\ndata: {}\n\n",
      'event: data\ndata: [{"v":1,"id":"bogus:0","type":"message.teleported","chatId":"x"}]\n\n',
      "event: surprise\ndata: whatever\n\n",
    ]);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test("malformed frames are skipped and counted, invalid events counted by the fold; the tail keeps going", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: proxy.url, storage, reconnect: fast });
    const chat = await client.createChat();
    const tail = client.openChat(chat.id);
    await tail.until((_, c) => c.status === "live");
    await client.send(chat.id, "still fine? [[tokens:30]]");
    await tail.until(answered(1));
    await server.idle();

    expect(proxy.injected).toBe(5);
    expect(tail.stats.malformedFrames).toBe(3); // bad JSON, non-array data, control without offset
    expect(tail.state.log.skipped).toBe(1); // the unknown event type
    expect(tail.stats.reconnects).toBe(0);
    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.messages).toEqual(log.state.messages);
    await client.close();
  });
});

describe("unknown offset", () => {
  test("a stored offset the server rejects (400 invalid_offset) makes the tail re-read from -1 and converge", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const chat = await client.createChat();
    await client.send(chat.id, "before [[tokens:5]]");
    await server.idle();
    await client.close();

    // A snapshot with an offset this chat never handed out (well-formed, so the SDK sends it).
    await storage.set(storageKeys(server.url).tail(chat.id), encodeSnapshot({ offset: "zzz", state: EMPTY_CHAT_STATE }));
    const recorder = recordingFetch();
    const after = createChatClient({ baseUrl: server.url, storage, fetch: recorder.fetch, reconnect: fast });
    const tail = after.openChat(chat.id);
    await tail.until(answered(1));
    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await tail.until((_, c) => c.offset === log.nextOffset);
    expect(tail.state.messages).toEqual(log.state.messages);
    expect(recorder.calls.filter((c) => c.url.pathname.endsWith("/events")).map((c) => [c.url.searchParams.get("offset"), c.status])).toEqual([
      ["zzz", 400],
      ["-1", 200],
    ]);
    expect(tail.stats.resyncs).toBe(1);
    await after.close();
  });
});

describe("resync from a clean state", () => {
  test("a stored snapshot with messages the log no longer has and an offset the server refuses: after the resync the messages (shown and stored) are exactly the log's", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage, reconnect: fast });
    const chat = await client.createChat();
    await client.send(chat.id, "kept [[tokens:4]]");
    await server.idle();
    await client.close();
    const token = await storedToken(storage);
    const log = await readLog(server.url, token, chat.id);

    // What a client showed before the streams tier lost its tail: one more turn, at an offset
    // of an incarnation the server no longer has.
    // (Folded as events, so the fold's thread — what a tail shows — has them too.)
    const lost = log.state.messages.map((m, i) => ({ v: 1, id: `lost:${i}`, at: m.createdAt, chatId: chat.id, type: "message.created", messageId: `msg_lost_${i}`, role: m.role, text: `lost ${m.text}` }));
    const stale = foldAll(log.state, lost);
    const key = storageKeys(server.url).tail(chat.id);
    await storage.set(key, encodeSnapshot({ offset: "zzz", state: stale }));

    const after = createChatClient({ baseUrl: server.url, storage, reconnect: fast, persistIntervalMs: 0 });
    const tail = after.openChat(chat.id);
    await tail.ready;
    expect(tail.state.messages.length).toBe(4); // the restored snapshot is shown at once
    await tail.until((_, c) => c.offset === log.nextOffset && c.upToDate);
    expect(tail.stats.resyncs).toBe(1);
    const ids = (messages: readonly { id: string; text: string }[]) => messages.map((m) => [m.id, m.text]);
    expect(ids(tail.state.messages)).toEqual(ids(log.state.messages));
    expect(tail.state.log.messages).toEqual(log.state.messages);
    await after.close();
    const stored = decodeSnapshot(await storage.get(key));
    expect(stored?.offset).toBe(log.nextOffset);
    expect(ids(stored!.state.messages)).toEqual(ids(log.state.messages));
  });
});

describe("deleted chat", () => {
  test("deleting a chat closes its tails for good (streamClosed) and drops its stored state", async () => {
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: server.url, storage, persistIntervalMs: 0 });
    const other = createChatClient({ baseUrl: server.url, storage, multiTab: false });
    const chat = await client.createChat();
    const tail = other.openChat(chat.id);
    await tail.until((_, c) => c.status === "live");
    await client.deleteChat(chat.id);
    await tail.until((_, c) => c.status === "closed");
    expect(tail.connection.closeReason).toBe("deleted");
    expect(tail.state.deleted).toBe(true);
    expect(tail.stats.reconnects).toBe(0); // ended by the control frame's streamClosed, not by a 404 on reconnect
    await expect(client.getChat(chat.id)).rejects.toMatchObject({ status: 404, code: "chat_not_found" });
    await Promise.all([client.close(), other.close()]);
  });
});
