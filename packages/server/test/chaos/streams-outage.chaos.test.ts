/**
 * The streams tier goes away mid-answer (connections refused, through a TCP proxy in front of
 * it) while the model keeps streaming. A short outage: appends are retried and tokens keep
 * coalescing, the answer completes with nothing lost. An outage past GENERATION_OUTAGE_MS: the
 * model call is cancelled and, once the tier is back, the turn is closed with
 * `streams_unavailable`. Either way the API process stays up and `/readyz` says not ready while
 * the tier is down.
 */
import { readLog, signInAsGuest, startTcpProxy, type TcpProxy } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamsBackendKinds } from "../helpers/streams.js";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { createChat, ended, send, watchChat } from "./chat-watch.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";

/** Resolves once `/readyz` answers `status` (the server's own view of the tier). */
async function readyzBecomes(api: ApiProcess, status: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if ((await fetch(`${api.url}/readyz`)).status === status) return;
  }
  throw new Error(`/readyz never answered ${status}`);
}

const SHORT = process.env.CHAOS_FULL ? 20 : 1;
const LONG = process.env.CHAOS_FULL ? 3 : 1;

for (const tier of streamsBackendKinds()) {
  describe(`streams tier (${tier}) unreachable mid-answer: ${SHORT} short outage(s), ${LONG} long`, () => {
    const fixture = useChaosFixture({ tokenDelayMs: 10 }, tier);
    let proxy: TcpProxy;
    let env: Record<string, string>;
    beforeAll(async () => {
      proxy = await startTcpProxy(fixture().streams.url);
      env = { ...fixture().env, STREAMS_URL: proxy.url, GENERATION_LEASE_MS: "1500", GENERATION_SWEEP_MS: "200" };
    });
    afterAll(() => proxy?.close());

    it("short: every answer completes exactly; the API stays up", async () => {
      const api = await startApiProcess({ ...env, GENERATION_OUTAGE_MS: "8000" });
      try {
        const token = await signInAsGuest(api.url);
        for (let n = 0; n < SHORT; n++) {
          // Down until the API notices (readyz 503), then back, while the model keeps streaming.
          const prompt = `short outage ${n} [[tokens:400]] [[delay:10]]`;
          const expected = await uninterrupted(fixture().model, prompt);
          const chatId = await createChat(api.url, token);
          const { assistantMessageId } = await send(api.url, token, chatId, prompt);
          await watchChat(() => api.url, token, chatId, (s) => (s.messages.find((m) => m.id === assistantMessageId)?.text.length ?? 0) > 30);
          await proxy.refuse();
          await readyzBecomes(api, 503);
          await proxy.accept();
          await readyzBecomes(api, 200);
          const { state, events } = await watchChat(() => api.url, token, chatId, ended(assistantMessageId), 30_000);
          expect(state.messages.find((m) => m.id === assistantMessageId), `outage ${n}`).toMatchObject({ status: "completed", text: expected });
          expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
        }
        expect(api.child.exitCode).toBeNull();
      } finally {
        await api.kill();
      }
    }, 60_000 + SHORT * 10_000);

    it("long: past GENERATION_OUTAGE_MS the turn ends with streams_unavailable once the tier is back; the API stays up", async () => {
      const api = await startApiProcess({ ...env, GENERATION_OUTAGE_MS: "1000" });
      try {
        const token = await signInAsGuest(api.url);
        for (let n = 0; n < LONG; n++) {
          const chatId = await createChat(api.url, token);
          const { assistantMessageId } = await send(api.url, token, chatId, `long outage ${n} [[tokens:3000]] [[delay:10]]`);
          await watchChat(() => api.url, token, chatId, (s) => (s.messages.find((m) => m.id === assistantMessageId)?.text.length ?? 0) > 30);
          const gaveUp = api.output.filter((line) => line.includes("handed to lease takeover")).length;
          await proxy.refuse();
          await readyzBecomes(api, 503);
          // The holder's own words that it gave up (after retrying for GENERATION_OUTAGE_MS).
          await api.printed((lines) => lines.filter((line) => line.includes("handed to lease takeover")).length > gaveUp);
          expect((await fetch(`${api.url}/healthz`)).status).toBe(200); // the API answers throughout
          await proxy.accept();
          const { state } = await watchChat(() => api.url, token, chatId, ended(assistantMessageId), 30_000);
          expect(state.messages.find((m) => m.id === assistantMessageId)).toMatchObject({ status: "error", error: { code: "streams_unavailable", retryable: true } });
          // The chat is usable again.
          const next = await send(api.url, token, chatId, "again [[tokens:5]]");
          await watchChat(() => api.url, token, chatId, ended(next.assistantMessageId));
          expect((await readLog(api.url, token, chatId)).state.messages.at(-1)).toMatchObject({ status: "completed" });
        }
        expect(api.child.exitCode).toBeNull();
      } finally {
        await api.kill();
      }
    }, 60_000 + LONG * 20_000);
  });
}
