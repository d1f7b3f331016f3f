/**
 * Tail benchmark against a real embedded server:
 *
 * - catch-up: a cold tail (no snapshot) reads a chat of >= 10k events from -1 until live;
 * - reconnect: a tail whose snapshot is N events behind resumes and catches up;
 * - reload: a tail with an up-to-date snapshot is live again;
 * - memory: heap per open tail on that chat (each in its own client, all folded).
 *
 * Run with `pnpm --filter @open-chat/sdk bench`. Numbers go to stdout.
 */
import { afterAll, beforeAll, test } from "vitest";
import { createChatClient, memoryStorage, type ChatClient } from "../src/index.js";
import { storageKeys } from "../src/storage.js";
import { encodeSnapshot } from "../src/tail/snapshot.js";
import { readLog, startTestServer, type TestServer } from "@open-chat/testing";
import { storedToken } from "../test/helpers/util.js";
import { foldAll, materialize, type ChatState } from "@open-chat/shared";

const TARGET_EVENTS = 10_000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const ms = (start: number) => `${(performance.now() - start).toFixed(0)} ms`;

async function timeToLive(client: ChatClient, chatId: string, nextOffset: string): Promise<{ ms: number; events: number; connects: number }> {
  const start = performance.now();
  const tail = client.openChat(chatId);
  await tail.until((_, c) => c.status === "live" && c.offset === nextOffset);
  const result = { ms: performance.now() - start, events: tail.stats.events, connects: tail.stats.connects };
  await tail.close();
  return result;
}

test("tail: catch-up, reconnect, reload, memory", async () => {
  const storage = memoryStorage();
  const writer = createChatClient({ baseUrl: server.url, storage });
  const chat = await writer.createChat({ title: "bench" });
  const setup = performance.now();
  let log = await readLog(server.url, await storedToken(storage), chat.id);
  while (log.events.length < TARGET_EVENTS) {
    await writer.send(chat.id, "[[tokens:2500]] [[delay:1]] bench");
    await server.idle();
    log = await readLog(server.url, await storedToken(storage), chat.id);
  }
  await writer.close();
  const token = await storedToken(storage);
  const rows: Array<[string, string]> = [["setup", `${log.events.length} events, ${log.state.messages.length} messages, ${(JSON.stringify(log.events).length / 1e6).toFixed(1)} MB of JSON, built in ${ms(setup)}`]];

  const tokenOnly = () => memoryStorage([[storageKeys(server.url).token, token]]);

  // 1. Cold catch-up from -1.
  const cold = await timeToLive(createChatClient({ baseUrl: server.url, storage: tokenOnly() }), chat.id, log.nextOffset);
  rows.push(["cold catch-up (-1 → live)", `${cold.ms.toFixed(0)} ms for ${cold.events} events (${Math.round(cold.events / (cold.ms / 1000))} events/s), ${cold.connects} connection`]);

  // 2. Reconnect from a snapshot 1,000 events behind the end.
  const behind = 1_000;
  const prefix = log.events.slice(0, log.events.length - behind);
  const stale = await (async () => {
    // Find the offset after `prefix` by reading catch-up pages until we have that many events.
    let offset = "-1";
    let count = 0;
    while (count < prefix.length) {
      const response = await fetch(`${server.url}/v1/chats/${chat.id}/events?offset=${offset}`, { headers: { Authorization: `Bearer ${token}` } });
      const page = (await response.json()) as unknown[];
      if (count + page.length > prefix.length) break;
      count += page.length;
      offset = response.headers.get("Stream-Next-Offset")!;
    }
    return { offset, state: materialize(log.events.slice(0, count)) as ChatState, count };
  })();
  const staleStorage = tokenOnly();
  await staleStorage.set(storageKeys(server.url).tail(chat.id), encodeSnapshot({ offset: stale.offset, state: stale.state }));
  const warm = await timeToLive(createChatClient({ baseUrl: server.url, storage: staleStorage }), chat.id, log.nextOffset);
  rows.push([`reconnect (${log.events.length - stale.count} events behind → live)`, `${warm.ms.toFixed(0)} ms, ${warm.events} events read`]);

  // 3. Reload with an up-to-date snapshot (restore + connect + first control frame).
  const fresh = tokenOnly();
  await fresh.set(storageKeys(server.url).tail(chat.id), encodeSnapshot({ offset: log.nextOffset, state: log.state }));
  const reload = await timeToLive(createChatClient({ baseUrl: server.url, storage: fresh }), chat.id, log.nextOffset);
  rows.push(["reload (snapshot at the end → live)", `${reload.ms.toFixed(0)} ms, ${reload.events} events read`]);

  // 4. Memory per open tail: K clients, each folding the whole chat.
  const K = 10;
  gc();
  const before = process.memoryUsage().heapUsed;
  const clients = Array.from({ length: K }, () => createChatClient({ baseUrl: server.url, storage: tokenOnly() }));
  const tails = clients.map((client) => client.openChat(chat.id));
  await Promise.all(tails.map((tail) => tail.until((_, c) => c.offset === log.nextOffset)));
  gc();
  const after = process.memoryUsage().heapUsed;
  const snapshotBytes = encodeSnapshot({ offset: log.nextOffset, state: foldAll(log.state, []) }).length;
  rows.push(["memory per open tail", `${((after - before) / K / 1024).toFixed(0)} KiB heap (chat text ${(log.state.messages.reduce((n, m) => n + m.text.length, 0) / 1024).toFixed(0)} KiB; stored snapshot ${(snapshotBytes / 1024).toFixed(0)} KiB)`]);
  await Promise.all(clients.map((client) => client.close()));

  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\n@open-chat/sdk tail bench (Node ${process.version})\n` + rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join("\n"));
});
