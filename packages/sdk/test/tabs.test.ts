/**
 * Two clients (two tabs of one origin: same storage, same user) on one chat converge to the
 * identical state — each with its own connection, and sharing one connection through Web Locks
 * leader election + BroadcastChannel (both exist in Node 24, so the browser path runs here too).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createChatClient, memoryStorage } from "../src/index.js";
import { readLog, startTestServer, type TestServer } from "@open-chat/testing";
import { answered, storedToken } from "./helpers/util.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ gateModel: true });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => server?.modelGate?.open()); // a failed test never leaves the next one's answer held

const fast = { initialDelayMs: 10, maxDelayMs: 100 };

describe("one client", () => {
  test("the same chat opened twice shares one connection; it ends with the last handle", async () => {
    const client = createChatClient({ baseUrl: server.url, storage: memoryStorage(), reconnect: fast });
    const chat = await client.createChat();
    const first = client.openChat(chat.id);
    const second = client.openChat(chat.id);
    await first.until((_, c) => c.status === "live");
    expect(second.connection).toBe(first.connection);
    expect(second.stats).toBe(first.stats);
    expect(first.stats.connects).toBe(1);
    await first.close();
    expect(second.connection.status).toBe("live");
    await second.close();
    expect(second.connection.status).toBe("closed");
    expect(second.connection.closeReason).toBe("closed");
    const third = client.openChat(chat.id); // a fresh tail after the last one closed
    await third.until((_, c) => c.status === "live");
    expect(third.stats.connects).toBe(1);
    await client.close();
  });
});

describe("two tabs", () => {
  test("one connection each: both converge to the server's state", async () => {
    const storage = memoryStorage();
    const a = createChatClient({ baseUrl: server.url, storage, reconnect: fast, multiTab: false });
    const b = createChatClient({ baseUrl: server.url, storage, reconnect: fast, multiTab: false });
    const chat = await a.createChat({ title: "tabs" });
    const tailA = a.openChat(chat.id);
    const tailB = b.openChat(chat.id);

    await a.send(chat.id, "from tab a [[tokens:40]] [[delay:2]]");
    await b.send(chat.id, "from tab b [[tokens:40]] [[delay:2]]"); // waits for a's answer (409) and retries
    await Promise.all([tailA.until(answered(2)), tailB.until(answered(2))]);
    await server.idle();

    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await Promise.all([tailA, tailB].map((tail) => tail.until((_, c) => c.offset === log.nextOffset)));
    expect(tailA.state.messages).toEqual(log.state.messages);
    expect(tailB.state.messages).toEqual(tailA.state.messages);
    expect(tailA.stats.connects).toBeGreaterThanOrEqual(1);
    expect(tailB.stats.connects).toBeGreaterThanOrEqual(1);
    await Promise.all([a.close(), b.close()]);
  });

  test("shared connection: the follower folds the leader's batches; when the leader closes, the follower takes over", async () => {
    const storage = memoryStorage();
    const a = createChatClient({ baseUrl: server.url, storage, reconnect: fast, multiTab: true });
    const chat = await a.createChat({ title: "leader" });
    const tailA = a.openChat(chat.id);
    await tailA.until((_, c) => c.leader && c.status === "live");

    const b = createChatClient({ baseUrl: server.url, storage, reconnect: fast, multiTab: true });
    const tailB = b.openChat(chat.id);
    await tailB.until((_, c) => c.status === "live"); // relayed by the leader
    expect(tailB.connection.leader).toBe(false);

    server.modelGate!.hold(); // the answer stays mid-stream until the leader has gone
    const first = await b.send(chat.id, "from the follower [[tokens:200]]");
    await server.modelGate!.releaseText(101);
    // The follower shows the answer streaming from the leader's connection…
    await tailB.until((state) => (state.messages.find((m) => m.id === first.assistantMessageId)?.text.length ?? 0) > 100);
    expect(tailB.stats.connects).toBe(0);
    expect(tailB.state.log.messages.length).toBe(2);

    // …then the leader's tab closes mid-answer and the follower resumes on its own connection.
    await a.close();
    expect(tailB.state.messages.find((m) => m.id === first.assistantMessageId)?.status).toBe("streaming");
    server.modelGate!.open();
    await tailB.until((_, c) => c.leader);
    await tailB.until(answered(1));
    await server.idle();

    const log = await readLog(server.url, await storedToken(storage), chat.id);
    await tailB.until((_, c) => c.offset === log.nextOffset);
    expect(tailB.state.messages).toEqual(log.state.messages);
    expect(tailB.stats.connects).toBeGreaterThanOrEqual(1);
    await b.close();
  });

  test("a tab that joins late gets the leader's snapshot and matches it", async () => {
    const storage = memoryStorage();
    const a = createChatClient({ baseUrl: server.url, storage, reconnect: fast, multiTab: true });
    const chat = await a.createChat();
    const tailA = a.openChat(chat.id);
    await a.send(chat.id, "before the second tab [[tokens:20]]");
    await tailA.until(answered(1));

    // The late tab has the user's token but no stored snapshot: it learns everything from the leader.
    const token = [...storage.entries].filter(([key]) => key.endsWith(":token"));
    const b = createChatClient({ baseUrl: server.url, storage: memoryStorage(token), reconnect: fast, multiTab: true });
    const tailB = b.openChat(chat.id);
    await tailB.until((_, c) => c.offset === tailA.offset);
    expect(tailB.stats.connects).toBe(0);
    expect(tailB.state.messages).toEqual(tailA.state.messages);
    expect(tailB.offset).toBe(tailA.offset);
    await Promise.all([a.close(), b.close()]);
  });
});
