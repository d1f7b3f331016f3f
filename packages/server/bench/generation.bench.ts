/**
 * Appends per generated answer, with group commit (the real server: HTTP send, our model
 * server, streams-local) against the naive approach of one awaited append per token, on the
 * same streams tier. Also the SSE resume check: drop a tail mid-answer, resume from its last
 * id, and compare with the final answer.
 * Run: pnpm --filter @open-chat/server bench   (needs Postgres on 127.0.0.1:5432)
 */
import { materialize } from "@open-chat/shared";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import { signInAsGuest, startTestServer } from "@open-chat/testing";
import { apiClient, eventsOf, isTerminalFor, lastControlId, readSse, readUntilMidAnswer } from "../test/helpers/api.js";
import { startStreamsBackend } from "../test/helpers/streams.js";

const TOKENS = 500;
const streams = await startStreamsBackend("embedded");
const server = await startTestServer({ streams: { url: streams.url } });
try {
  const token = await signInAsGuest(server.url);
  const api = apiClient(server.url, token);
  console.log(`answers of ${TOKENS} tokens, embedded streams-local\n`);
  console.log("mode                                   token gap   appends/answer   ms/answer");
  for (const delay of [0, 2, 10]) {
    const chat = await api.createChat();
    const before = { ...server.services.generations.stats };
    const start = performance.now();
    await api.send(chat.id, { clientMessageId: `bench-${delay}`, text: `bench [[tokens:${TOKENS}]] [[delay:${delay}]]` });
    await server.services.generations.idle();
    const ms = performance.now() - start;
    const appends = server.services.generations.stats.appends - before.appends + 1; // + the opening append
    console.log(`group commit (server)                  ${String(delay).padStart(6)} ms   ${String(appends).padStart(14)}   ${ms.toFixed(0).padStart(9)}`);
  }

  // Naive: one awaited POST per token on the same tier.
  const client = createStreamsClient({ baseUrl: streams.url });
  await client.ensureStream("bench-naive");
  const start = performance.now();
  for (let seq = 0; seq < TOKENS; seq++) {
    await client.append("bench-naive", [{ type: "message.delta", text: "w " }], { key: "chat:naive", producer: { id: "naive", epoch: 0, seq } });
  }
  const ms = performance.now() - start;
  console.log(`one append per token (no coalescing)        0 ms   ${String(TOKENS).padStart(14)}   ${ms.toFixed(0).padStart(9)}`);

  // SSE resume check.
  const chat = await api.createChat();
  const { frames: first, sent } = await readUntilMidAnswer(server.url, token, chat.id, () =>
    api.send(chat.id, { clientMessageId: "resume", text: "resume [[tokens:300]] [[delay:2]]" }),
  );
  const turn = sent.body;
  const second = await readSse(server.url, token, chat.id, {
    lastEventId: lastControlId(first),
    until: (frames) => isTerminalFor(turn.assistantMessageId)(eventsOf(frames)),
  });
  const union = [...eventsOf(first), ...eventsOf(second)];
  const ids = union.map((e) => e.id);
  const final = materialize((await api.readAll(chat.id)).events).messages.find((m) => m.id === turn.assistantMessageId)!;
  const resumed = materialize(union).messages.find((m) => m.id === turn.assistantMessageId)!;
  console.log(
    `\nSSE resume: first read ${eventsOf(first).length} events, resumed read ${eventsOf(second).length} events, ` +
      `duplicates ${ids.length - new Set(ids).size}, text ${resumed.text === final.text ? "identical" : "DIFFERENT"} (${final.text.length} chars)`,
  );
} finally {
  await server.close();
  await streams.stop();
}
