/**
 * The tail stores its (offset, snapshot) pair when the injected network signal says the page is
 * hiding (`pagehide` in browsers), without waiting for the coalescing interval.
 */
import { expect, test } from "vitest";
import { createChatClient, manualNetwork, memoryStorage, storageKeys, type FetchLike } from "../src/index.js";
import { decodeSnapshot } from "../src/tail/snapshot.js";

const OFFSET = "0000000000000000000B000000";
const at = "2026-11-23T12:00:00.000Z";
const created = { v: 1, id: "p:0", type: "message.created", chatId: "c1", messageId: "m1", at, role: "user", text: "m1" };
const frames = [`event: data\ndata: ${JSON.stringify([created])}\n\n`, `event: control\nid: ${OFFSET}\ndata: ${JSON.stringify({ streamNextOffset: OFFSET, upToDate: true })}\n\n`];

/** One SSE response with `frames`, kept open until aborted. */
const fetch: FetchLike = async (_input, init) => {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      init.signal?.addEventListener("abort", () => controller.error(init.signal!.reason));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
};

test("the network signal's hide stores the shown state at once", async () => {
  const storage = memoryStorage();
  const network = manualNetwork(true);
  const client = createChatClient({ baseUrl: "http://api.test", fetch, getToken: () => "t", storage, network, multiTab: false, persistIntervalMs: 60_000 });
  const tail = client.openChat("c1");
  await tail.until((_state, connection) => connection.offset === OFFSET);
  const key = storageKeys("http://api.test").tail("c1");
  expect(storage.entries.get(key)).toBeUndefined(); // the coalescing timer has not fired
  network.hide();
  await Promise.resolve();
  expect(decodeSnapshot(storage.entries.get(key) ?? null)?.offset).toBe(OFFSET);
  await client.close();
});
