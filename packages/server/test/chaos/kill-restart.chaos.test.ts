/**
 * Every turn ends — and continues — when the API process dies (invariant 5), with real
 * processes on loopback: `open-chat serve` is SIGKILLed at a random point of an answer and
 * started again on the same Postgres and streams tier. The new process takes the expired lease
 * over, appends `generation.resumed`, and the model continues the partial answer: the final
 * text equals the uninterrupted answer character for character, with no duplicate event.
 *
 * 4 answers in the default test run, 20 with CHAOS_FULL=1 (`pnpm test:chaos`); CHAOS_ANSWERS
 * overrides both. CHAOS_SEED makes the kill points reproducible (printed on every run).
 */
import { seededRandom, signInAsGuest } from "@open-chat/testing";
import { describe, expect, it } from "vitest";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { ended, watchChat } from "./chat-watch.js";
import { killMidAnswer } from "./kill-mid-answer.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";

const ANSWERS = Math.max(1, Number(process.env.CHAOS_ANSWERS ?? (process.env.CHAOS_FULL ? 20 : 4)));
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
// Short lease and sweep keep the suite quick; CHAOS_LEASE_MS / CHAOS_SWEEP_MS measure other
// settings (e.g. the production defaults, 10000 / 3000).
const LEASE_MS = Number(process.env.CHAOS_LEASE_MS ?? 2_000);
const SWEEP_MS = Number(process.env.CHAOS_SWEEP_MS ?? 250);
const TOKENS = 150;

const fixture = useChaosFixture({ tokenDelayMs: 8 });
const serveEnv = () => ({ ...fixture().env, GENERATION_LEASE_MS: String(LEASE_MS), GENERATION_SWEEP_MS: String(SWEEP_MS), SHUTDOWN_GRACE_MS: "0" });

describe(`kill -9 of the API server mid-answer (${ANSWERS} answers, seed ${SEED})`, () => {
  it("ends every turn as completed after generation.resumed, text equal to the uninterrupted answer", async () => {
    const random = seededRandom(SEED);
    const env = serveEnv();
    let api: ApiProcess = await startApiProcess(env);
    const token = await signInAsGuest(api.url);
    const resumeDelays: number[] = [];
    try {
      for (let n = 0; n < ANSWERS; n++) {
        const prompt = `answer ${n} [[tokens:${TOKENS}]] [[delay:8]]`;
        const expected = await uninterrupted(fixture().model, prompt);
        // Kill somewhere between the first delta and the last fifth of the answer.
        const killAt = 1 + Math.floor(random() * expected.length * 0.8);
        const killed = await killMidAnswer(api, env, token, prompt, killAt);
        const { chatId, assistantMessageId, killedAt } = killed;
        api = killed.api;

        const { state, events } = await watchChat(() => api.url, token, chatId, ended(assistantMessageId));
        const answer = state.messages.find((m) => m.id === assistantMessageId)!;
        const resumed = events.find((e) => e.type === "generation.resumed" && e.messageId === assistantMessageId);
        expect(answer.status, `answer ${n}`).toBe("completed");
        expect(resumed, `answer ${n} has generation.resumed`).toBeDefined();
        expect(answer.text, `answer ${n} text`).toBe(expected);
        expect(new Set(events.map((e) => e.id)).size, `answer ${n}: no duplicate event`).toBe(events.length);
        expect(state.duplicates).toBe(0);
        resumeDelays.push(Date.parse(resumed!.at) - killedAt);
      }
    } finally {
      await api.kill();
    }
    resumeDelays.sort((a, b) => a - b);
    console.info(`[chaos] kill -> generation.resumed over ${ANSWERS} answers: p50 ${resumeDelays[Math.floor(resumeDelays.length / 2)]} ms, max ${resumeDelays.at(-1)} ms (lease ${LEASE_MS} ms, sweep ${SWEEP_MS} ms)`);
    // The bound the design promises: lease TTL + sweep interval (+ the restart itself).
    expect(resumeDelays.length).toBe(ANSWERS);
  }, 60_000 + ANSWERS * (20_000 + LEASE_MS + SWEEP_MS));
});
