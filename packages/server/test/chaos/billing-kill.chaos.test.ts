/**
 * No overspend when the holder dies (invariant 7 with invariant 5): with BILLING=on, the API
 * process is SIGKILLed mid-answer and started again; the new process takes the answer over and
 * continues it, and the answer is settled exactly once — one reservation, one settlement, nothing
 * left held, the settled cost equal to `message.completed.usage.costMicroUsd` and to the turn's
 * usage row. Real processes, real Postgres, `kill -9`.
 *
 * 2 answers in the default run, 6 with CHAOS_FULL=1; CHAOS_SEED makes the kill points reproducible.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { makeTempDir, removeDir, seededRandom, signInAsGuest } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { ended, watchChat } from "./chat-watch.js";
import { killMidAnswer } from "./kill-mid-answer.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";

const ANSWERS = process.env.CHAOS_FULL ? 6 : 2;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
const OPERATOR_KEY = randomBytes(32).toString("base64url");
const GRANT_MICRO_USD = 50_000_000;

const fixture = useChaosFixture({ tokenDelayMs: 8 });
const catalogDir = makeTempDir("open-chat-prices-");
afterAll(() => removeDir(catalogDir));

function serveEnv(): Record<string, string> {
  // The chaos model, priced (1 µUSD per prompt token, 2 per completion token).
  const catalog = join(catalogDir, "prices.json");
  writeFileSync(catalog, JSON.stringify({ data: [{ id: "chaos-model", pricing: { prompt: "0.000001", completion: "0.000002" } }] }));
  return { ...fixture().env, BILLING: "on", PRICE_CATALOG: catalog, OPERATOR_KEY, GENERATION_LEASE_MS: "2000", GENERATION_SWEEP_MS: "250", SHUTDOWN_GRACE_MS: "0" };
}

async function ledgerOf(generationId: string) {
  const client = new pg.Client({ connectionString: fixture().database.url });
  await client.connect();
  try {
    const entries = await client.query<{ kind: string; amount: string; reserved: string }>(
      `SELECT kind, "amountMicroUsd"::text AS amount, "reservedDeltaMicroUsd"::text AS reserved FROM ledger_entry WHERE "generationId" = $1 ORDER BY "createdAt"`,
      [generationId],
    );
    const usage = await client.query<{ cost: string }>(`SELECT "costMicroUsd"::text AS cost FROM turn_usage WHERE "generationId" = $1`, [generationId]);
    const account = await client.query<{ balance: string; reserved: string }>(`SELECT "balanceMicroUsd"::text AS balance, "reservedMicroUsd"::text AS reserved FROM credit_account WHERE "tenantId" = 'default' AND owner = 'tenant'`);
    return { entries: entries.rows, usage: usage.rows.map((r) => Number(r.cost)), account: account.rows[0]! };
  } finally {
    await client.end();
  }
}

describe(`kill -9 mid-answer with billing on (${ANSWERS} answers, seed ${SEED})`, () => {
  it("settles every continued answer exactly once and leaves nothing held", async () => {
    const random = seededRandom(SEED);
    const env = serveEnv();
    let api: ApiProcess = await startApiProcess(env);
    try {
      const grant = await fetch(`${api.url}/v1/admin/tenants/default/billing/grants`, {
        method: "POST",
        headers: { Authorization: `Bearer ${OPERATOR_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ amountMicroUsd: GRANT_MICRO_USD, reference: "chaos" }),
      });
      expect(grant.status).toBe(201);
      const token = await signInAsGuest(api.url);
      let spent = 0;
      for (let n = 0; n < ANSWERS; n++) {
        const prompt = `paid answer ${n} [[tokens:120]] [[delay:8]]`;
        const expected = await uninterrupted(fixture().model, prompt);
        const killed = await killMidAnswer(api, env, token, prompt, 1 + Math.floor(random() * expected.length * 0.8));
        const { chatId, assistantMessageId } = killed;
        api = killed.api;

        const { events } = await watchChat(() => api.url, token, chatId, ended(assistantMessageId));
        const completed = events.find((e) => e.type === "message.completed" && e.messageId === assistantMessageId) as { usage?: { costMicroUsd: number } } | undefined;
        expect(completed, `answer ${n} completed`).toBeDefined();
        expect(events.some((e) => e.type === "generation.resumed" && e.messageId === assistantMessageId), `answer ${n} was taken over`).toBe(true);
        const cost = completed!.usage!.costMicroUsd;
        expect(cost, `answer ${n} has a cost`).toBeGreaterThan(0);

        const { entries, usage, account } = await ledgerOf(assistantMessageId);
        const kinds = entries.map((e) => e.kind);
        expect(kinds.filter((k) => k === "reservation"), `answer ${n}: one hold`).toHaveLength(1);
        expect(kinds.filter((k) => k === "settlement"), `answer ${n}: settled once`).toHaveLength(1);
        expect(kinds.filter((k) => k === "release"), `answer ${n}: never released as well`).toHaveLength(0);
        const charged = -entries.reduce((sum, e) => sum + Number(e.amount), 0);
        expect(charged, `answer ${n}: the ledger charged what the answer says`).toBe(cost);
        expect(entries.reduce((sum, e) => sum + Number(e.reserved), 0), `answer ${n}: its hold is gone`).toBe(0);
        expect(usage, `answer ${n}: one usage row with that cost`).toEqual([cost]);
        spent += cost;
        expect(Number(account.reserved), "nothing held between answers").toBe(0);
        expect(Number(account.balance)).toBe(GRANT_MICRO_USD - spent);
      }
    } finally {
      await api.kill();
    }
  }, 60_000 + ANSWERS * 25_000);
});
