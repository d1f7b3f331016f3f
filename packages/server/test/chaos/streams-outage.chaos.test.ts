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
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { createChat, ended, send, watchChat } from "./chat-watch.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";

const fixture = useChaosFixture({ tokenDelayMs: 10 });
let proxy: TcpProxy;
let env: Record<string, string>;
beforeAll(async () => {
  proxy = await startTcpProxy(fixture().streams.url);
  env = { ...fixture().env, STREAMS_URL: proxy.url, GENERATION_LEASE_MS: "1500", GENERATION_SWEEP_MS: "200" };
});
afterAll(() => proxy?.close());

/** Resolves once `/readyz` answers `status` (the server's own view of the tier). */
async function readyzBecomes(api: ApiProcess, status: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if ((await fetch(`${api.url}/readyz`)).status === status) return;
  }
  throw new Error(`/readyz never answered ${status}`);
}

describe("streams tier outage mid-answer", () => {
  it("short: the answer completes exactly; long: the turn ends with streams_unavailable; the API stays up", async () => {
    const api = await startApiProcess({ ...env, GENERATION_OUTAGE_MS: "8000" });
    try {
      const token = await signInAsGuest(api.url);

      // Short outage: down until the API notices (readyz 503), then back.
      const prompt = "short outage [[tokens:400]] [[delay:10]]";
      const expected = await uninterrupted(fixture().model, prompt);
      const chatId = await createChat(api.url, token);
      const { assistantMessageId } = await send(api.url, token, chatId, prompt);
      await watchChat(() => api.url, token, chatId, (s) => (s.messages.find((m) => m.id === assistantMessageId)?.text.length ?? 0) > 30);
      await proxy.refuse();
      await readyzBecomes(api, 503);
      await proxy.accept();
      await readyzBecomes(api, 200);
      const { state, events } = await watchChat(() => api.url, token, chatId, ended(assistantMessageId), 30_000);
      expect(state.messages.find((m) => m.id === assistantMessageId)).toMatchObject({ status: "completed", text: expected });
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.kill();
    }

    // Long outage: past GENERATION_OUTAGE_MS the holder gives up; once the tier is back the
    // turn is closed as streams_unavailable (by lease takeover), and the process never exited.
    const patient = await startApiProcess({ ...env, GENERATION_OUTAGE_MS: "1000" });
    try {
      const token = await signInAsGuest(patient.url);
      const chatId = await createChat(patient.url, token);
      const { assistantMessageId } = await send(patient.url, token, chatId, "long outage [[tokens:3000]] [[delay:10]]");
      await watchChat(() => patient.url, token, chatId, (s) => (s.messages.find((m) => m.id === assistantMessageId)?.text.length ?? 0) > 30);
      await proxy.refuse();
      await readyzBecomes(patient, 503);
      // The holder's own words that it gave up (it retried for GENERATION_OUTAGE_MS first).
      for (let i = 0; !patient.output.some((line) => line.includes("handed to lease takeover")); i++) {
        if (i > 3000 || patient.child.exitCode !== null) throw new Error(`the holder never gave up:\n${patient.output.join("\n")}`);
        await fetch(`${patient.url}/healthz`); // the API answers throughout
      }
      await proxy.accept();
      const { state } = await watchChat(() => patient.url, token, chatId, ended(assistantMessageId), 30_000);
      expect(state.messages.find((m) => m.id === assistantMessageId)).toMatchObject({ status: "error", error: { code: "streams_unavailable", retryable: true } });
      expect(patient.child.exitCode).toBeNull();
      // The chat is usable again.
      const next = await send(patient.url, token, chatId, "again [[tokens:5]]");
      await watchChat(() => patient.url, token, chatId, ended(next.assistantMessageId));
      expect((await readLog(patient.url, token, chatId)).state.messages.at(-1)).toMatchObject({ status: "completed" });
    } finally {
      await patient.kill();
    }
  }, 120_000);
});
