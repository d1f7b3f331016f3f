/**
 * Billing on the turn path, against a real server on real Postgres (BILLING on): 100 concurrent
 * sends with credit for exactly one answer → exactly one 202 and 99 × 402, nothing recorded for
 * the refused ones (the same send succeeds after a top-up); completed, stopped and failed
 * answers settle and release their hold; an over-reported cost is an adjustment; a crashed
 * answer (dead holder, lease expired, sweep) is settled exactly once whether it is continued or
 * closed; a regenerate holds and settles once, like a send; unpriced models are refused;
 * end-user accounts, guest budget and daily limit.
 */
import { API_PATH, EVENT_TYPE, type ChatEvent, type EventPayload } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TENANT_ACCOUNT } from "../src/billing/ledger-types.js";
import { estimatePromptTokens } from "../src/generation/context-budget.js";
import { generationProducers } from "../src/generation/producers.js";
import { createEventFactory } from "../src/log/event-factory.js";
import { chatKey } from "../src/log/stream-names.js";

const MAX_TOKENS = 1024; // the default policy's max_tokens
// test-model in the default catalog: 1 µUSD per prompt token, 2 per completion token.
const holdFor = (text: string) => BigInt(estimatePromptTokens([{ role: "user", content: text }])) + BigInt(MAX_TOKENS) * 2n;

let server: TestServer;
beforeAll(async () => {
  vi.setConfig({ testTimeout: 60_000 });
  server = await startTestServer({
    settings: { billing: { enabled: true }, takeover: { sweepMs: 600_000, continueAnswers: true, maxResumes: 2 }, generation: { idleMs: 30_000, totalMs: 60_000, leaseMs: 60_000, appendIntervalMs: 5, outageMs: 5_000 } },
  });
}, 60_000);
afterAll(() => server?.close());

interface Site {
  tenant: TestTenant;
  token: string;
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  account: { tenantId: string; owner: string };
}

async function site(billing?: object): Promise<Site> {
  const tenant = await createTestTenant(server.services, { name: `shop ${Math.random()}` });
  if (billing) await setPolicy(tenant, billing);
  const options = { publishableKey: tenant.publishableKey, origin: tenant.origin };
  const token = await signInAsGuest(server.url, options);
  const call = async (method: string, path: string, body?: unknown, as = token) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...siteHeaders(options), Authorization: `Bearer ${as}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return { tenant, token, call, account: { tenantId: tenant.id, owner: TENANT_ACCOUNT } };
}

/** The tenant's billing policy through the admin API (its secret key). */
async function setPolicy(tenant: TestTenant, billing: object) {
  const response = await fetch(`${server.url}${API_PATH.admin}/tenants/${tenant.id}`, {
    method: "PATCH",
    headers: { Authorization: `Bearer ${tenant.secretKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ billing }),
  });
  expect(response.status).toBe(200);
  expect((await response.json()).billing).toEqual(billing);
}

const newChat = async (s: Site, as?: string) => {
  const created = await s.call("POST", API_PATH.chats, {}, as);
  expect(created.status).toBe(201);
  return created.body.id as string;
};

const grant = (ref: { tenantId: string; owner: string }, amount: bigint, reference = `g-${Math.random()}`) => server.services.ledger.credit(ref, "grant", amount, reference);

const log = (s: Site, chatId: string) => readLog(server.url, s.token, chatId, undefined, { publishableKey: s.tenant.publishableKey, origin: s.tenant.origin });

async function finalEvent(s: Site, chatId: string, messageId: string): Promise<ChatEvent> {
  await server.idle();
  const { events } = await log(s, chatId);
  const mine = events.filter((e) => "messageId" in e && e.messageId === messageId);
  return mine[mine.length - 1]!;
}

describe("billing on the turn path", () => {
  it("100 concurrent sends (100 chats of one user) with credit for exactly one: one 202, 99 × 402, nothing recorded for them", async () => {
    const s = await site();
    const text = "how much is this?";
    const chats = await Promise.all(Array.from({ length: 100 }, () => newChat(s)));
    await grant(s.account, holdFor(text));
    const replies = await Promise.all(chats.map((chatId, i) => s.call("POST", API_PATH.messages(chatId), { clientMessageId: `cm-${i}`, text })));
    const accepted = replies.filter((r) => r.status === 202);
    const refused = replies.filter((r) => r.status === 402);
    console.log(`[billing] 100 concurrent sends, credit for one: ${accepted.length} × 202, ${refused.length} × 402`);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(99);
    for (const r of refused) expect(r.body.error.code).toBe("insufficient_credits");

    await server.idle();
    const { balanceMicroUsd, reservedMicroUsd } = await server.services.ledger.balance(s.account);
    expect(reservedMicroUsd).toBe(0n);
    const usage = await server.services.prisma.turnUsage.findMany({ where: { tenantId: s.tenant.id } });
    expect(usage).toHaveLength(1);
    expect(usage[0]!.outcome).toBe("completed");
    expect(holdFor(text) - balanceMicroUsd).toBe(usage[0]!.costMicroUsd);
    const won = chats[replies.findIndex((r) => r.status === 202)]!;
    const completed = await finalEvent(s, won, accepted[0]!.body.assistantMessageId);
    expect(completed.type).toBe(EVENT_TYPE.messageCompleted);
    expect(completed.type === EVENT_TYPE.messageCompleted && completed.usage.costMicroUsd).toBe(Number(usage[0]!.costMicroUsd));
    expect(usage[0]!.costMicroUsd > 0n).toBe(true);
    // A refused send left no turn, no event: the same clientMessageId goes through after a top-up.
    const loser = replies.findIndex((r) => r.status === 402);
    expect((await log(s, chats[loser]!)).events).toEqual([]);
    await grant(s.account, holdFor(text));
    const retried = await s.call("POST", API_PATH.messages(chats[loser]!), { clientMessageId: `cm-${loser}`, text });
    expect(retried.status).toBe(202);
    await server.idle();
    expect((await server.services.ledger.balance(s.account)).reservedMicroUsd).toBe(0n);
  }, 120_000);

  it("100 concurrent sends (100 guests of one tenant, one chat each) with credit for exactly one: one 202, 99 × 402", async () => {
    const s = await site();
    const text = "and for us?";
    const options = { publishableKey: s.tenant.publishableKey, origin: s.tenant.origin };
    const guests = await Promise.all(Array.from({ length: 100 }, () => signInAsGuest(server.url, options)));
    const chats = await Promise.all(guests.map((token) => newChat(s, token)));
    await grant(s.account, holdFor(text));
    const replies = await Promise.all(chats.map((chatId, i) => s.call("POST", API_PATH.messages(chatId), { clientMessageId: "same-id", text }, guests[i])));
    const accepted = replies.filter((r) => r.status === 202).length;
    const refused = replies.filter((r) => r.status === 402 && r.body.error.code === "insufficient_credits").length;
    console.log(`[billing] 100 concurrent sends by 100 users, credit for one: ${accepted} × 202, ${refused} × 402`);
    expect([accepted, refused]).toEqual([1, 99]);
    await server.idle();
    expect((await server.services.ledger.balance(s.account)).reservedMicroUsd).toBe(0n);
    expect(await server.services.prisma.turnUsage.count({ where: { tenantId: s.tenant.id } })).toBe(1);
  }, 120_000);

  it("a regenerate is one turn: one hold (of the question's prompt, not the old answer's) and one settlement; its retry costs nothing; without credit it is a 402 that leaves no trace", async () => {
    const s = await site();
    const text = "say it twice";
    await grant(s.account, holdFor(text));
    const chatId = await newChat(s);
    const sent = await s.call("POST", API_PATH.messages(chatId), { clientMessageId: "g1", text });
    expect(sent.status).toBe(202);
    await server.idle();
    // Credit for exactly one more answer of this question.
    await grant(s.account, holdFor(text) - (await server.services.ledger.balance(s.account)).balanceMicroUsd);
    const path = API_PATH.regenerate(chatId, sent.body.assistantMessageId);
    const again = await s.call("POST", path, { clientMessageId: "g2" });
    expect(again.status).toBe(202);
    await server.idle();
    expect(await s.call("POST", path, { clientMessageId: "g2" })).toEqual(again);
    await server.idle();

    const entries = (await server.services.ledger.entries(s.account, { limit: 100 })).entries.filter((e) => e.generationId === again.body.assistantMessageId);
    expect(entries.map((e) => e.kind).sort()).toEqual(["reservation", "settlement"]);
    expect(entries.find((e) => e.kind === "reservation")!.reservedDeltaMicroUsd).toBe(holdFor(text));
    const usage = await server.services.prisma.turnUsage.findMany({ where: { chatId } });
    expect(usage.map((u) => u.generationId).sort()).toEqual([sent.body.assistantMessageId, again.body.assistantMessageId].sort());
    expect((await server.services.ledger.balance(s.account)).reservedMicroUsd).toBe(0n);

    // What is left cannot hold a third answer: refused before anything is recorded or appended.
    const before = (await log(s, chatId)).events.length;
    const refused = await s.call("POST", path, { clientMessageId: "g3" });
    expect([refused.status, refused.body?.error?.code], JSON.stringify(refused.body)).toEqual([402, "insufficient_credits"]);
    expect((await log(s, chatId)).events).toHaveLength(before);
    expect(await server.services.prisma.turn.count({ where: { chatId } })).toBe(2);
  });

  it("settles stopped and failed answers and releases the rest of their hold", async () => {
    const s = await site();
    await grant(s.account, 1_000_000n);
    // Failed before any token: spends the prompt's tokens only.
    server.model.enqueue({ failure: { kind: "http", status: 500, message: "boom" } });
    const failedChat = await newChat(s);
    const failed = await s.call("POST", API_PATH.messages(failedChat), { clientMessageId: "f1", text: "fail please" });
    expect(failed.status).toBe(202);
    expect((await finalEvent(s, failedChat, failed.body.assistantMessageId)).type).toBe(EVENT_TYPE.messageError);
    // Stopped mid-answer: the model stalls after 3 tokens until the stop.
    server.model.enqueue({ tokens: ["a ", "b ", "c "], failure: { kind: "stall", afterTokens: 3 } });
    const stoppedChat = await newChat(s);
    const stopped = await s.call("POST", API_PATH.messages(stoppedChat), { clientMessageId: "s1", text: "stop me" });
    expect(stopped.status).toBe(202);
    await expect.poll(async () => (await log(s, stoppedChat)).state.messages.at(-1)?.text, { timeout: 20_000 }).toBe("a b c ");
    expect((await s.call("POST", API_PATH.stop(stoppedChat))).status).toBeLessThan(300);
    expect((await finalEvent(s, stoppedChat, stopped.body.assistantMessageId)).type).toBe(EVENT_TYPE.messageStopped);

    const rows = await server.services.prisma.turnUsage.findMany({ where: { tenantId: s.tenant.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.outcome).sort()).toEqual(["error", "stopped"]);
    const stoppedRow = rows.find((r) => r.outcome === "stopped")!;
    expect(stoppedRow.outputTokens).toBeGreaterThan(0);
    const balance = await server.services.ledger.balance(s.account);
    expect(balance.reservedMicroUsd).toBe(0n);
    expect(1_000_000n - balance.balanceMicroUsd).toBe(rows.reduce((sum, r) => sum + r.costMicroUsd, 0n));
    const kinds = (await server.services.ledger.entries(s.account)).entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === "settlement")).toHaveLength(2);
  });

  it("records an over-reported cost as an adjustment (the account may go negative by that one turn)", async () => {
    const s = await site();
    const text = "tell me a lot";
    await grant(s.account, holdFor(text));
    server.model.enqueue({ tokens: ["x"], usage: { prompt_tokens: 10, completion_tokens: 5_000 } });
    const chatId = await newChat(s);
    const sent = await s.call("POST", API_PATH.messages(chatId), { clientMessageId: "o1", text });
    expect(sent.status).toBe(202);
    const completed = await finalEvent(s, chatId, sent.body.assistantMessageId);
    expect(completed.type === EVENT_TYPE.messageCompleted && completed.usage.costMicroUsd).toBe(10 + 5_000 * 2);
    const balance = await server.services.ledger.balance(s.account);
    expect(balance).toEqual({ balanceMicroUsd: holdFor(text) - 10_010n, reservedMicroUsd: 0n, availableMicroUsd: holdFor(text) - 10_010n });
    expect(balance.balanceMicroUsd < 0n).toBe(true);
    const entries = (await server.services.ledger.entries(s.account)).entries;
    expect(entries.find((e) => e.kind === "adjustment")?.amountMicroUsd).toBe(-(10_010n - holdFor(text)));
    // At a negative balance the next send is refused.
    const next = await s.call("POST", API_PATH.messages(chatId), { clientMessageId: "o2", text });
    expect(next.status).toBe(402);
  });

  it("refuses a model without a price at chat create and at send (400 model_unpriced)", async () => {
    const s = await site();
    await server.services.tenants.update(s.tenant.id, { modelPolicy: { allowedModels: ["no-price/model"] } });
    const created = await s.call("POST", API_PATH.chats, { model: "no-price/model" });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("model_unpriced");
    const chatId = await newChat(s);
    const sent = await s.call("POST", API_PATH.messages(chatId), { clientMessageId: "u1", text: "hi", model: "no-price/model" });
    expect(sent.status).toBe(400);
    expect(sent.body.error.code).toBe("model_unpriced");
  });

  it("end-user accounts: the guest budget is granted once, both accounts hold, the daily limit refuses", async () => {
    const text = "hi";
    const budget = Number(holdFor(text)) + 1; // one answer fits; after it (cost ≥ its 8 prompt tokens) no second
    const s = await site({ endUserAccounts: true, guestBudgetMicroUsd: budget });
    await grant(s.account, 10_000_000n);
    const chatId = await newChat(s);
    const first = await s.call("POST", API_PATH.messages(chatId), { clientMessageId: "e1", text });
    expect(first.status).toBe(202);
    await server.idle();
    const userId = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } })).userId;
    const mine = { tenantId: s.tenant.id, owner: userId };
    const cost = (await server.services.prisma.turnUsage.findUniqueOrThrow({ where: { generationId: first.body.assistantMessageId } })).costMicroUsd;
    expect(await server.services.ledger.balance(mine)).toEqual({ balanceMicroUsd: BigInt(budget) - cost, reservedMicroUsd: 0n, availableMicroUsd: BigInt(budget) - cost });
    expect((await server.services.ledger.balance(s.account)).balanceMicroUsd).toBe(10_000_000n - cost);
    // The budget left is less than a hold: the user's account refuses (the tenant's could pay).
    const second = await s.call("POST", API_PATH.messages(await newChat(s)), { clientMessageId: "e2", text });
    expect(second.status).toBe(402);
    expect(second.body.error.message).toMatch(/your account/);
    // Granted once: a top-up of the user's account lets the next one through, up to the daily
    // limit (today's settled cost + held + this hold): room for exactly one more answer.
    await grant(mine, 100_000_000n);
    await setPolicy(s.tenant, { endUserAccounts: true, guestBudgetMicroUsd: budget, dailyLimitMicroUsd: Number(cost + holdFor(text)) });
    // (new chats: every hold is then exactly holdFor(text))
    expect((await s.call("POST", API_PATH.messages(await newChat(s)), { clientMessageId: "e2", text })).status).toBe(202);
    await server.idle();
    const third = await s.call("POST", API_PATH.messages(await newChat(s)), { clientMessageId: "e3", text });
    expect(third.status).toBe(402);
    expect(third.body.error.message).toMatch(/Daily spending limit/);
    expect((await server.services.ledger.entries(mine)).entries.filter((e) => e.externalRef === "guest-budget")).toHaveLength(1);
    // A guest whose account was topped up before any send still gets the budget, once.
    const early = await site({ endUserAccounts: true, guestBudgetMicroUsd: budget });
    await grant(early.account, 10_000_000n);
    const earlyChat = await newChat(early);
    const earlyUser = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: earlyChat } })).userId;
    const earlyAccount = { tenantId: early.tenant.id, owner: earlyUser };
    await server.services.ledger.credit(earlyAccount, "topup", 5n, "paid-before-first-send");
    expect((await early.call("POST", API_PATH.messages(earlyChat), { clientMessageId: "p1", text })).status).toBe(202);
    await server.idle();
    expect((await server.services.ledger.entries(earlyAccount)).entries.filter((e) => e.externalRef === "guest-budget")).toHaveLength(1);
    // A bad policy is refused before anything is stored.
    const bad = await fetch(`${server.url}${API_PATH.admin}/tenants/${s.tenant.id}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${s.tenant.secretKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ billing: { guestBudgetMicroUsd: -5 } }),
    });
    expect(bad.status).toBe(400);
  });
});

describe("a crashed answer (dead holder) is settled exactly once", () => {
  let seq = 0;
  /** A turn whose holder died mid-answer: opening + partial text in the log, its hold in the ledger, its lease lapsed. */
  async function abandoned(s: Site, partial: string, row: { stopRequestedBy?: "user"; settledByHolder?: boolean } = {}) {
    const chatId = await newChat(s);
    const { userId, tenantId } = await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
    const { name: stream } = await server.services.ensureUserStream({ id: userId, tenantId });
    const assistant = `msg_crash_${++seq}`;
    await server.services.billing.reserveTurn({ user: { id: userId, tenantId }, generationId: assistant, model: "test-model", promptTokens: 20, maxTokens: MAX_TOKENS });
    if (row.settledByHolder) await server.services.billing.settleTurn({ tenantId, userId, chatId, generationId: assistant, model: "test-model", outcome: "stopped", usage: { inputTokens: 20, outputTokens: 7 } });
    const { producerId, eventProducer } = generationProducers(assistant, 0);
    const events = createEventFactory(eventProducer, () => new Date());
    const base = { chatId, messageId: assistant };
    const payloads: EventPayload[] = [
      { type: EVENT_TYPE.messageCreated, chatId, messageId: `msg_crash_user_${seq}`, role: "user", text: "count [[tokens:12]]", clientId: `crash${seq}` },
      { type: EVENT_TYPE.messageCreated, ...base, role: "assistant", text: "", model: "test-model" },
      { type: EVENT_TYPE.generationStarted, ...base, holder: "dead", model: "test-model" },
      { type: EVENT_TYPE.messageDelta, ...base, text: partial },
    ];
    await server.services.streams.append(stream, payloads.map((p) => events.make(p)), { key: chatKey(chatId), producer: { id: producerId, epoch: 0, seq: 0 } });
    await server.services.prisma.chat.update({
      where: { id: chatId },
      data: { activeGenerationId: assistant, leaseHolder: "dead", leaseExpiresAt: new Date(Date.now() - 1), stopRequestedBy: row.stopRequestedBy ?? null, stopRequestedAt: row.stopRequestedBy ? new Date() : null },
    });
    return { chatId, assistant };
  }

  async function settlements(generationId: string) {
    return server.services.prisma.ledgerEntry.findMany({ where: { generationId, kind: { in: ["settlement", "release", "adjustment"] } } });
  }

  it("continued by the sweeper: the continuation's terminal settles it, once", async () => {
    const s = await site();
    await grant(s.account, 1_000_000n);
    const { chatId, assistant } = await abandoned(s, "one two ");
    expect((await server.services.ledger.balance(s.account)).reservedMicroUsd).toBeGreaterThan(0n);
    await server.server.takeover.sweep();
    const last = await finalEvent(s, chatId, assistant);
    expect(last.type).toBe(EVENT_TYPE.messageCompleted);
    expect(await settlements(assistant)).toHaveLength(1);
    const row = await server.services.prisma.turnUsage.findUniqueOrThrow({ where: { generationId: assistant } });
    expect(last.type === EVENT_TYPE.messageCompleted && last.usage.costMicroUsd).toBe(Number(row.costMicroUsd));
    expect(await server.services.ledger.balance(s.account)).toEqual(expect.objectContaining({ reservedMicroUsd: 0n, balanceMicroUsd: 1_000_000n - row.costMicroUsd }));
    // Another sweep (or a second closer) changes nothing.
    await server.server.takeover.sweep();
    await server.idle();
    expect(await settlements(assistant)).toHaveLength(1);
  });

  it("closed by the sweeper (stop requested): settled before message.stopped, once", async () => {
    const s = await site();
    await grant(s.account, 1_000_000n);
    const { chatId, assistant } = await abandoned(s, "some words here ", { stopRequestedBy: "user" });
    await server.server.takeover.sweep();
    expect((await finalEvent(s, chatId, assistant)).type).toBe(EVENT_TYPE.messageStopped);
    expect(await settlements(assistant)).toHaveLength(1);
    expect((await server.services.prisma.turnUsage.findUniqueOrThrow({ where: { generationId: assistant } })).outcome).toBe("stopped");
    expect((await server.services.ledger.balance(s.account)).reservedMicroUsd).toBe(0n);
  });

  it("the holder settled, then died before its terminal event: the closer's settlement is a no-op", async () => {
    const s = await site();
    await grant(s.account, 1_000_000n);
    const { chatId, assistant } = await abandoned(s, "x ", { stopRequestedBy: "user", settledByHolder: true });
    const before = await server.services.ledger.balance(s.account);
    expect(before.reservedMicroUsd).toBe(0n);
    await server.server.takeover.sweep();
    expect((await finalEvent(s, chatId, assistant)).type).toBe(EVENT_TYPE.messageStopped);
    expect(await settlements(assistant)).toHaveLength(1);
    expect(await server.services.ledger.balance(s.account)).toEqual(before);
    expect((await server.services.prisma.turnUsage.findUniqueOrThrow({ where: { generationId: assistant } })).costMicroUsd).toBe(20n + 7n * 2n);
  });
});
