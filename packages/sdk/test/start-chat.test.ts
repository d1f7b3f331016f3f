/**
 * `startChat()` against the real server: a new visitor's first message, written while offline,
 * is stored before any request and goes out once the network returns — sign-in (retried through
 * transport failures), exactly one chat (Idempotency-Key from the stored entry), exactly one
 * turn — also when the page is reloaded in the middle; a refusal fails the pending message.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { API_PATH, EVENT_TYPE, HEADER, LIMITS, type ChatEvent } from "@open-chat/shared";
import { OpenChatError, createChatClient, isLocalChatId, manualNetwork, memoryStorage, type FetchLike } from "../src/index.js";
import { storageKeys } from "../src/storage.js";
import { readLog, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { answered, storedToken } from "./helpers/util.js";

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

interface Call {
  line: string;
  headers: Headers;
  /** 0 while in flight or when it failed without a response. */
  status: number;
  failed: boolean;
}

/** A fetch that records every request (`METHOD /path`) and how it ended. */
function recording(): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async fetch(input, init) {
      const call: Call = { line: `${init.method ?? "GET"} ${new URL(input).pathname}`, headers: new Headers(init.headers), status: 0, failed: false };
      calls.push(call);
      try {
        const response = await fetch(input, init);
        call.status = response.status;
        return response;
      } catch (error) {
        call.failed = true;
        throw error;
      }
    },
  };
}

const userCreated = (events: unknown[]) => (events as ChatEvent[]).filter((e) => e.type === EVENT_TYPE.messageCreated && e.role === "user");
const creates = (calls: Call[]) => calls.filter((c) => c.line === `POST ${API_PATH.chats}`);

describe("startChat", () => {
  test("offline, no session: stored before any request; online, signed in (after refused connections), one chat, one turn", async () => {
    const storage = memoryStorage();
    const network = manualNetwork(false);
    const recorder = recording();
    await proxy.refuse();
    const client = createChatClient({ baseUrl: proxy.url, storage, network, fetch: recorder.fetch, reconnect: fast });

    const started = await client.startChat("first words [[tokens:5]]", { title: "First words" });
    expect(isLocalChatId(started.localId)).toBe(true);
    const stored = JSON.parse((await storage.get(storageKeys(proxy.url).outbox))!);
    expect(stored).toEqual([expect.objectContaining({ kind: "send", chatId: started.localId, clientMessageId: started.clientMessageId, createChat: expect.objectContaining({ title: "First words" }) })]);
    const local = client.openChat(started.localId);
    expect(local.state.messages.map((m) => [m.role, m.status, m.text])).toEqual([["user", "pending", "first words [[tokens:5]]"]]);
    expect(local.connection.status).toBe("offline");
    expect(recorder.calls).toEqual([]);

    // The device says online, but the server cannot be reached yet: guest sign-in fails and is retried.
    network.set(true);
    await vi.waitFor(() => expect(recorder.calls.filter((c) => c.line === `POST ${API_PATH.signInAnonymous}` && c.failed).length).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 10 });
    expect(local.state.messages.map((m) => m.status)).toEqual(["pending"]);
    // Reachable again, and the first create's answer is lost: its retry carries the same key.
    proxy.dropResponses((line) => line === `POST ${API_PATH.chats}`, 1);
    await proxy.accept();

    const chatId = await started.chatId;
    expect(await client.resolveChat(started.localId)).toBe(chatId);
    const result = await started.sent;
    expect(result.clientMessageId).toBe(started.clientMessageId);
    expect(local.state.messages).toEqual([]); // the pending message moved to the chat's own id
    const tail = client.openChat(chatId);
    await tail.until(answered(1));
    await server.idle();

    const { chats } = await client.listChats({ limit: 100 });
    expect(chats.map((c) => [c.id, c.title])).toEqual([[chatId, "First words"]]);
    const keys = creates(recorder.calls).map((c) => c.headers.get(HEADER.idempotencyKey));
    expect(keys.length).toBe(2);
    expect(new Set(keys).size).toBe(1);
    const log = await readLog(server.url, await storedToken(storage), chatId);
    expect(userCreated(log.events).map((e) => (e as { clientId?: string }).clientId)).toEqual([started.clientMessageId]);
    expect(log.state.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    expect(await client.outbox()).toEqual([]);
    await local.close();
    await tail.close();
    await client.close();
  });

  test("a reload after the chat was made but before its answer arrived: the new page makes no second chat and sends once", async () => {
    const storage = memoryStorage();
    const calls = recording();
    // The first page would retry only after a minute: it is gone (reloaded) long before.
    const slow = { initialDelayMs: 60_000, maxDelayMs: 60_000, random: () => 1 };
    const before = createChatClient({ baseUrl: proxy.url, storage, fetch: calls.fetch, network: manualNetwork(true), reconnect: slow });
    proxy.dropResponses((line) => line === `POST ${API_PATH.chats}`, 1);
    const started = await before.startChat("after the reload [[tokens:4]]");
    await vi.waitFor(() => expect(creates(calls.calls).map((c) => c.failed)).toEqual([true]), { timeout: 20_000, interval: 10 });
    await before.close();
    const token = await storedToken(storage);
    const madeBefore = await listChats(token);
    expect(madeBefore.length).toBe(1); // the server made it; the page never heard

    const after = createChatClient({ baseUrl: proxy.url, storage, reconnect: fast });
    const local = after.openChat(started.localId);
    // The new page shows the message it read from storage as pending (until it moves to the chat).
    const shown = await local.until((state) => state.messages.length > 0);
    expect(shown.messages.map((m) => [m.status, m.text])).toEqual([["pending", "after the reload [[tokens:4]]"]]);
    const chatId = await after.resolveChat(started.localId);
    expect(chatId).toBe(madeBefore[0]);
    const tail = after.openChat(chatId);
    await tail.until(answered(1));
    await server.idle();
    expect(await listChats(token)).toEqual([chatId]);
    const log = await readLog(server.url, token, chatId);
    expect(userCreated(log.events).length).toBe(1);
    await local.close();
    await tail.close();
    await after.close();

    // Another reload: the local id still leads to the chat, without a request.
    const recorder = recording();
    const again = createChatClient({ baseUrl: proxy.url, storage, fetch: recorder.fetch, reconnect: fast });
    expect(await again.resolveChat(started.localId)).toBe(chatId);
    expect(recorder.calls).toEqual([]);
    await again.close();
  });

  test("a first message the server refuses for good (400 text_too_long): the pending message fails with its code, in the chat made", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage(), reconnect: fast });
    const started = await client.startChat("x".repeat(LIMITS.maxMessageTextLength + 1));
    const refused = await started.sent.then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(OpenChatError);
    expect((refused as OpenChatError).code).toBe("text_too_long");
    const chatId = await started.chatId;
    const tail = client.openChat(chatId);
    expect(tail.state.pending.map((m) => [m.clientId, m.status, (m.error as OpenChatError | undefined)?.code])).toEqual([[started.clientMessageId, "failed", "text_too_long"]]);
    expect(await client.outbox()).toEqual([]);
    await tail.close();
    await client.close();
  });

  test("a chat the server refuses to make (400 invalid_request): its messages fail, resolveChat rejects with that code, a later send makes the chat", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage(), reconnect: fast });
    const started = await client.startChat("hello [[tokens:3]]", { title: "t".repeat(LIMITS.maxTitleLength + 1) });
    const local = client.openChat(started.localId);
    const refused = await started.chatId.then(
      () => null,
      (error: unknown) => error,
    );
    expect((refused as OpenChatError).code).toBe("invalid_request");
    await expect(started.sent).rejects.toMatchObject({ code: "invalid_request" });
    await expect(client.resolveChat(started.localId)).rejects.toMatchObject({ code: "chat_not_found" });
    expect(local.state.pending.map((m) => [m.status, (m.error as OpenChatError | undefined)?.code])).toEqual([["failed", "invalid_request"]]);

    // Retry (the widget's Retry button): dismiss, send again to the same local id — a new create.
    client.dismiss(started.localId, started.clientMessageId);
    const retried = client.send(started.localId, "hello [[tokens:3]]");
    const chatId = await client.resolveChat(started.localId);
    expect((await retried).clientMessageId).toBeTruthy();
    const tail = client.openChat(chatId);
    await tail.until(answered(1));
    await server.idle();
    await local.close();
    await tail.close();
    await client.close();
  });
});

/** The ids of the chats the guest behind `token` has. */
async function listChats(token: string): Promise<string[]> {
  const response = await fetch(`${server.url}${API_PATH.chats}?limit=100`, { headers: { [HEADER.authorization]: `Bearer ${token}` } });
  const body = (await response.json()) as { chats: Array<{ id: string }> };
  return body.chats.map((c) => c.id);
}
