/**
 * Resumable tails against the real server: connections cut at random points through a TCP
 * proxy, and a reload (a new client on the same storage) in the middle of an answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { START_OFFSET } from "@open-chat/shared";
import { createChatClient, memoryStorage, type TailMessage, type TailState } from "../src/index.js";
import { decodeSnapshot } from "../src/tail/snapshot.js";
import { storageKeys } from "../src/storage.js";
import { recordingFetch, tailCalls } from "./helpers/fetch.js";
import { readLog, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { answered, seeded, storedToken } from "./helpers/util.js";

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

/** One answer in the default run; 50 with CHAOS_FULL=1 (`pnpm test:chaos`), each with its own cut points. */
const ANSWERS = process.env.CHAOS_FULL ? 50 : 1;

describe("connection drops", () => {
  for (let round = 0; round < ANSWERS; round++) {
    test(`cut N times at random points during a long answer: final messages equal the server's, no duplicate or missing character (answer ${round + 1}/${ANSWERS})`, async () => {
      const random = seeded(20261123 + round);
      const storage = memoryStorage();
      const client = createChatClient({ baseUrl: proxy.url, storage, reconnect: { initialDelayMs: 20, maxDelayMs: 200, random }, persistIntervalMs: 0 });
      const chat = await client.createChat({ title: "drops" });
      const tail = client.openChat(chat.id);
      const gate = server.modelGate!;
      gate.hold(); // the answer advances only as far as the test releases it
      try {
        const sent = await client.send(chat.id, "[[tokens:400]] tell me a long story");
        const answerText = (state: TailState) => state.messages.find((m) => m.id === sent.assistantMessageId)?.text ?? "";
        const seen: string[] = [];
        tail.subscribeMessage(sent.assistantMessageId, (message?: TailMessage) => {
          if (message) seen.push(message.text);
        });

        // Cut points: N random text lengths of the answer (it is ~2,500 characters long). At each
        // one the model has released just past that point (so the answer cannot have ended), the
        // client shows everything released (so that text came over a live tail connection opened
        // after the previous cut), and then every connection is cut: one cut, one dead tail
        // connection, one reconnect — whatever the machine's speed.
        const N = 6;
        const cutAt = Array.from({ length: N }, () => 50 + Math.floor(random() * 2000)).sort((a, b) => a - b);
        const cuts: number[] = [];
        for (const point of cutAt) {
          await gate.releaseText(Math.max(point, gate.releasedText.length + 1));
          const released = gate.releasedText.length;
          await tail.until((state) => answerText(state).length >= released);
          cuts.push(answerText(tail.state).length);
          proxy.cutAll();
        }
        gate.open();

        await tail.until(answered(1));
        await server.idle();
        const log = await readLog(server.url, await storedToken(storage), chat.id);
        await tail.until((_, connection) => connection.offset === log.nextOffset);

        expect(cuts.length).toBe(N);
        expect(tail.stats.reconnects).toBeGreaterThanOrEqual(N);
        const answer = log.state.messages.find((m) => m.id === sent.assistantMessageId)!;
        expect(answer.status).toBe("completed");
        expect(answer.text.length).toBeGreaterThan(2000);
        // Every cut came mid-answer: the client had part of the text, not all of it.
        expect(cuts.filter((length) => length === 0 || length >= answer.text.length)).toEqual([]);
        // What was shown was always a prefix of the final text: no character twice, none skipped.
        expect(seen.filter((text) => !answer.text.startsWith(text))).toEqual([]);
        expect(tail.state.log.messages).toEqual(log.state.messages);
        expect(tail.state.messages.map((m) => m.text)).toEqual(log.state.messages.map((m) => m.text));
        expect(tail.state.log.skipped).toBe(0);
        expect(tail.stats.malformedFrames).toBe(0);
      } finally {
        gate.open();
        await client.close();
      }
    });
  }
});

describe("reload", () => {
  test("a new client on the same storage resumes mid-answer from the stored offset, not from the start", async () => {
    const storage = memoryStorage();
    const first = recordingFetch();
    const before = createChatClient({ baseUrl: server.url, storage, fetch: first.fetch, persistIntervalMs: 0 });
    const chat = await before.createChat({ title: "reload" });
    const tailBefore = before.openChat(chat.id);
    const gate = server.modelGate!;
    gate.hold(); // the answer cannot end before the page goes away: the model is let out 301 characters
    const sent = await before.send(chat.id, "[[tokens:300]] a long answer please");
    await gate.releaseText(301);
    await tailBefore.until((state) => (state.messages.find((m) => m.id === sent.assistantMessageId)?.text.length ?? 0) > 300);
    await before.close(); // the page goes away mid-answer
    gate.open();

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
