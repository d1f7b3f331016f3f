/**
 * Two API server processes on one Postgres and one streams tier (what a deployment with
 * several instances looks like): a stop sent to B ends an answer that A generates (the stop is
 * recorded in Postgres and reaches A by LISTEN/NOTIFY — the lease here is far too long for any
 * other path); B continues an answer whose holder A was killed; a holder paused past its lease
 * (SIGSTOP … SIGCONT) is fenced: after B's takeover nothing of A's epoch reaches the log.
 */
import { parseEventId, type ChatEvent } from "@open-chat/shared";
import { signInAsGuest } from "@open-chat/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { authorized, createChat, ended, send, watchChat } from "./chat-watch.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";

const fixture = useChaosFixture({ tokenDelayMs: 10 });
const running: ApiProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.kill()));
});

async function start(env: Record<string, string>): Promise<ApiProcess> {
  const api = await startApiProcess({ ...fixture().env, SHUTDOWN_GRACE_MS: "0", ...env });
  running.push(api);
  return api;
}

const answerOf = (messageId: string) => (state: { messages: ReadonlyArray<{ id: string; status: string; text: string }> }) =>
  state.messages.find((m) => m.id === messageId);

/** The epoch an event was written at: its id is `gen-<message>.<epoch>:<seq>`. */
function epochOf(event: ChatEvent): number | undefined {
  const producer = parseEventId(event.id)?.producer;
  const match = producer ? /\.(\d+)$/.exec(producer) : null;
  return match ? Number(match[1]) : undefined;
}

describe("API server processes on one database and streams tier", () => {
  it("a stop sent to B ends the answer A generates (Postgres NOTIFY, not lease expiry)", async () => {
    const env = { GENERATION_LEASE_MS: "60000", GENERATION_SWEEP_MS: "60000" };
    const [a, b] = [await start(env), await start(env)];
    const token = await signInAsGuest(a.url);
    const chatId = await createChat(a.url, token);
    const { assistantMessageId } = await send(a.url, token, chatId, "long one [[tokens:2000]] [[delay:10]]");
    await watchChat(() => a.url, token, chatId, (s) => (answerOf(assistantMessageId)(s)?.text.length ?? 0) > 20);

    const askedAt = performance.now();
    const response = await fetch(`${b.url}/v1/chats/${chatId}/stop`, { method: "POST", headers: authorized(token), body: "{}" });
    expect(response.status).toBe(202);
    const { state, events } = await watchChat(() => b.url, token, chatId, ended(assistantMessageId), 20_000);
    console.info(`[chaos] stop via B -> message.stopped from A: ${Math.round(performance.now() - askedAt)} ms`);
    expect(answerOf(assistantMessageId)(state)).toMatchObject({ status: "stopped" });
    const stopped = events.find((e) => e.type === "message.stopped")!;
    expect(stopped).toMatchObject({ by: "user" });
    expect(events.some((e) => e.type === "generation.resumed")).toBe(false); // A itself stopped it
  }, 60_000);

  it("B continues the answer of a killed A; a paused A is fenced when it wakes", async () => {
    const env = { GENERATION_LEASE_MS: "1500", GENERATION_SWEEP_MS: "200" };
    for (const mode of ["kill", "pause"] as const) {
      const a = await start(env);
      const token = await signInAsGuest(a.url);
      const chatId = await createChat(a.url, token);
      const prompt = `${mode} me [[tokens:300]] [[delay:10]]`;
      const expected = await uninterrupted(fixture().model, prompt);
      const { assistantMessageId } = await send(a.url, token, chatId, prompt);
      await watchChat(() => a.url, token, chatId, (s) => (answerOf(assistantMessageId)(s)?.text.length ?? 0) > 100);
      if (mode === "kill") await a.kill();
      else a.signal("SIGSTOP");
      const b = await start(env);

      const { state, events } = await watchChat(() => b.url, token, chatId, ended(assistantMessageId), 30_000);
      if (mode === "pause") {
        a.signal("SIGCONT");
        // A wakes with appends in flight at epoch 0; the tier refuses them (stale epoch) and its
        // lease keeper finds the lease gone. Read the whole log again after A has had its chance.
        await fetch(`${a.url}/healthz`);
      }
      const final = mode === "pause" ? await watchChat(() => b.url, token, chatId, ended(assistantMessageId)) : { state, events };
      const mine = final.events.filter((e) => "messageId" in e && e.messageId === assistantMessageId);
      expect(answerOf(assistantMessageId)(final.state), mode).toMatchObject({ status: "completed", text: expected });
      const firstResumed = mine.findIndex((e) => e.type === "generation.resumed");
      expect(firstResumed, `${mode}: generation.resumed`).toBeGreaterThan(0);
      // One writer per epoch: after the takeover nothing of epoch 0 is in the log.
      expect(mine.slice(firstResumed).every((e) => epochOf(e) !== 0), `${mode}: no stale write`).toBe(true);
      expect(mine.filter((e) => ["message.completed", "message.error", "message.stopped"].includes(e.type))).toHaveLength(1);
      await Promise.all(running.splice(0).map((api) => api.kill()));
    }
  }, 120_000);

  it("SIGTERM once, SIGTERM twice, SIGINT to the group then SIGTERM: the answer ends before the process exits", async () => {
    const cases: Array<{ name: string; grace: string; signals: Array<[NodeJS.Signals, boolean]> }> = [
      { name: "SIGTERM once (after the grace period)", grace: "300", signals: [["SIGTERM", false]] },
      { name: "SIGTERM twice (the second skips the grace)", grace: "600000", signals: [["SIGTERM", false], ["SIGTERM", false]] },
      { name: "Ctrl+C: SIGINT to the group, then a supervisor's SIGTERM", grace: "600000", signals: [["SIGINT", true], ["SIGTERM", false]] },
    ];
    for (const { name, grace, signals } of cases) {
      const a = await start({ SHUTDOWN_GRACE_MS: grace });
      const token = await signInAsGuest(a.url);
      const chatId = await createChat(a.url, token);
      const { assistantMessageId } = await send(a.url, token, chatId, "a long one [[tokens:3000]] [[delay:10]]");
      await watchChat(() => a.url, token, chatId, (s) => (answerOf(assistantMessageId)(s)?.text.length ?? 0) > 20);
      for (const [signal, group] of signals) {
        // Two identical signals sent back to back merge into one in the kernel: send the next
        // only once the process has reported the previous one.
        const seen = a.output.filter((line) => line.startsWith("open-chat: SIG")).length;
        a.signal(signal, { group });
        await a.printed((lines) => lines.filter((line) => line.startsWith("open-chat: SIG")).length > seen);
      }
      expect(await a.exited, name).toBe(0);
      const b = await start({});
      const { state } = await watchChat(() => b.url, token, chatId, ended(assistantMessageId), 10_000);
      expect(answerOf(assistantMessageId)(state), name).toMatchObject({ status: "stopped" });
      expect(a.output.join("\n"), name).not.toMatch(/ELIFECYCLE|unhandled|Error:/);
      await Promise.all(running.splice(0).map((api) => api.kill()));
    }
  }, 120_000);
});
