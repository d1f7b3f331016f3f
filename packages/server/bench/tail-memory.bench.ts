/**
 * What an open live tail keeps, by the size of the catch-up it was opened with: N tails opened
 * from the start (`offset=-1`) of one chat of `events` events, each read until its first control
 * frame and then left open; the heap grown per tail after full collections. The real server
 * (Postgres, the Bun streams-server, real HTTP) and the tails' clients share this process, so the
 * figure includes each client's fetch (~constant); what grows with `events` is the server's.
 *
 *   node --import tsx bench/tail-memory.bench.ts [events=500] [tails=50]
 *
 * Measured 2026-11-30 (EPYC): before the tail dropped its catch-up page, 294 KB per tail at 500
 * events and 53 KB at 20; after, 38 and 42 KB.
 */
import { signInAsGuest, startTestServer } from "@open-chat/testing";
import { apiClient } from "../test/helpers/api.js";
import { collectGarbage } from "../test/helpers/gc.js";
import { startStreamsBackend } from "../test/helpers/streams.js";

const EVENTS = Number(process.argv[2] ?? 500);
const TAILS = Number(process.argv[3] ?? 50);

/** Heap used after full collections. */
async function settledHeap(): Promise<number> {
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}

const streams = await startStreamsBackend("bun-server");
const server = await startTestServer({ streams: { url: streams.url, apiKey: streams.apiKey } });
try {
  const token = await signInAsGuest(server.url);
  const api = apiClient(server.url, token);
  const chatId = (await api.call("POST", "/v1/chats", {})).body.id as string;
  // Each rename is one event of the chat's log.
  for (let i = 0; i < EVENTS; i++) {
    const renamed = await api.call("PATCH", `/v1/chats/${chatId}`, { title: `a chat renamed many times, the ${i}th time` });
    if (renamed.status !== 200) throw new Error(`rename: ${renamed.status} ${JSON.stringify(renamed.body)}`);
  }

  const before = await settledHeap();
  const open: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  for (let i = 0; i < TAILS; i++) {
    const response = await fetch(`${server.url}/v1/chats/${chatId}/events?live=sse&offset=-1`, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" } });
    if (response.status !== 200 || !response.body) throw new Error(`tail: ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: control")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the tail ended before its catch-up");
      text += decoder.decode(value, { stream: true });
    }
    open.push(reader);
  }
  const after = await settledHeap();
  console.log(`${TAILS} tails opened from the start of a chat of ${EVENTS} events: +${((after - before) / TAILS / 1024).toFixed(1)} KB of heap per open tail`);
  await Promise.all(open.map((reader) => reader.cancel()));
} finally {
  await server.close();
  await streams.stop();
}
