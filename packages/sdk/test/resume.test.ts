/**
 * Resumable tails against the real server: connections cut at random points through a TCP
 * proxy, and a reload (a new client on the same storage) in the middle of an answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { START_OFFSET } from "@open-chat/shared";
import { createChatClient, memoryStorage, type TailMessage } from "../src/index.js";
import { decodeSnapshot } from "../src/tail/snapshot.js";
import { storageKeys } from "../src/storage.js";
import { recordingFetch, tailCalls } from "./helpers/fetch.js";
import { startTcpProxy, type TcpProxy } from "./helpers/proxy.js";
import { readLog, startTestServer, type TestServer } from "@open-chat/testing";
import { answered, seeded, storedToken } from "./helpers/util.js";

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

describe("connection drops", () => {
  test("cut N times at random points during a long answer: final messages equal the server's, no duplicate or missing character", async () => {
    const random = seeded(20261123);
    const storage = memoryStorage();
    const client = createChatClient({ baseUrl: proxy.url, storage, reconnect: { initialDelayMs: 20, maxDelayMs: 200, random }, persistIntervalMs: 0 });
    const chat = await client.createChat({ title: "drops" });
    const tail = client.openChat(chat.id);
    const sent = await client.send(chat.id, "[[tokens:400]] [[delay:4]] tell me a long story");

    // Cut points: N random text lengths of the answer (it is ~2,500 characters long).
    const N = 6;
    const cutAt = Array.from({ length: N }, () => 50 + Math.floor(random() * 2000)).sort((a, b) => a - b);
    const cuts: number[] = [];
    const seen: string[] = [];
    tail.subscribeMessage(sent.assistantMessageId, (message?: TailMessage) => {
      if (!message) return;
      seen.push(message.text);
      while (cutAt.length > 0 && message.text.length >= cutAt[0]!) {
        cutAt.shift();
        cuts.push(message.text.length);
        proxy.cutAll();
      }
    });

    await tail.until(answered(1));
    await server.idle();
    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await tail.until((_, connection) => connection.offset === log.nextOffset);

    expect(cuts.length).toBe(N);
    expect(tail.stats.reconnects).toBeGreaterThanOrEqual(N);
    const answer = log.state.messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(answer.status).toBe("completed");
    expect(answer.text.length).toBeGreaterThan(2000);
    // What was shown was always a prefix of the final text: no character twice, none skipped.
    expect(seen.filter((text) => !answer.text.startsWith(text))).toEqual([]);
    expect(tail.state.log.messages).toEqual(log.state.messages);
    expect(tail.state.messages.map((m) => m.text)).toEqual(log.state.messages.map((m) => m.text));
    expect(tail.state.log.skipped).toBe(0);
    expect(tail.stats.malformedFrames).toBe(0);
    await client.close();
  });
});

describe("reload", () => {
  test("a new client on the same storage resumes mid-answer from the stored offset, not from the start", async () => {
    const storage = memoryStorage();
    const first = recordingFetch();
    const before = createChatClient({ baseUrl: server.url, storage, fetch: first.fetch, persistIntervalMs: 0 });
    const chat = await before.createChat({ title: "reload" });
    const tailBefore = before.openChat(chat.id);
    const sent = await before.send(chat.id, "[[tokens:300]] [[delay:8]] a long answer please");
    await tailBefore.until((state) => (state.messages.find((m) => m.id === sent.assistantMessageId)?.text.length ?? 0) > 300);
    await before.close(); // the page goes away mid-answer

    const stored = decodeSnapshot(await storage.get(storageKeys(server.url).tail(chat.id)));
    expect(stored).not.toBeNull();
    expect(stored!.offset).not.toBe(START_OFFSET);
    const storedAnswer = stored!.state.messages.find((m) => m.id === sent.assistantMessageId)!;
    expect(storedAnswer.status).toBe("streaming");

    const second = recordingFetch();
    const after = createChatClient({ baseUrl: server.url, storage, fetch: second.fetch });
    const tail = after.openChat(chat.id);
    await tail.ready;
    // The snapshot shows at once, before any network read.
    expect(tail.state.log.messages).toEqual(stored!.state.messages);

    await tail.until(answered(1));
    await server.idle();
    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await tail.until((_, connection) => connection.offset === log.nextOffset);
    expect(tail.state.log.messages).toEqual(log.state.messages);

    const reads = tailCalls(second.calls);
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads[0]!.url.searchParams.get("offset")).toBe(stored!.offset);
    expect(reads[0]!.headers.get("Last-Event-ID")).toBe(stored!.offset);
    expect(reads.some((r) => r.url.searchParams.get("offset") === START_OFFSET)).toBe(false);
    // Only events after the stored offset were read: fewer than the whole log, none of them twice.
    expect(tail.stats.events).toBeLessThan(log.events.length);
    expect(tail.state.log.duplicates).toBe(stored!.state.duplicates);
    await after.close();
  });
});
