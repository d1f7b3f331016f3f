/**
 * Stripe top-ups without network, over real HTTP against real Postgres and a real streams tier:
 * Checkout sessions made against a local stand-in for the Stripe API, webhook deliveries signed
 * with the `stripe` library's test-header helper. Proves: a delivery repeated 10× at once credits
 * once (and all ten are in the billing stream); a bad signature is 400, credits nothing and is
 * recorded; a refund after spending debits the refunded amount (the balance goes negative);
 * disputes, async payments, unknown types; grants; the end user's routes; everything 404
 * billing_disabled without Stripe.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { OPERATOR_BILLING_STREAM } from "../src/billing/billing-stream.js";
import { runOperatorCommand, type OperatorIo } from "../src/cli/operator.js";
import { apiClient } from "./helpers/api.js";
import { deliver, paidSession, signedEvent, startStripeStandIn, type StripeStandIn } from "./helpers/stripe-stand-in.js";

const OPERATOR_KEY = "operator-key-".padEnd(48, "x");
const WEBHOOK_SECRET = "whsec_test_secret_for_the_webhook";
const SECRET_KEY = "sk_test_standin_secret_key";
const ADMIN = API_PATH.admin;

let stripeApi: StripeStandIn;
let server: TestServer;
let operator: ReturnType<typeof apiClient>;
let tenant: TestTenant;

beforeAll(async () => {
  stripeApi = await startStripeStandIn();
  server = await startTestServer({
    settings: {
      operatorKey: OPERATOR_KEY,
      billing: { enabled: true },
      stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripeApi.url, topUpAmountsUsd: [5, 10] },
    },
  });
  operator = apiClient(server.url, OPERATOR_KEY);
  tenant = await createTestTenant(server.services, { origin: "https://shop.example" });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await stripeApi?.close();
});

const balanceOf = async (tenantId: string, owner = "tenant") => server.services.ledger.balance({ tenantId, owner });
const events = async (tenantId: string) => (await operator.call("GET", `${ADMIN}/tenants/${tenantId}/billing/events?limit=1000`)).body.events as any[];
const operatorEvents = async () => (await operator.call("GET", `${ADMIN}/billing/events?limit=1000`)).body.events as any[];

describe("Checkout sessions (against the local Stripe stand-in)", () => {
  it("the admin API makes a payment session for the tenant's account with the account in the metadata", async () => {
    const reply = await operator.call("POST", `${ADMIN}/tenants/${tenant.id}/billing/checkout`, { amountUsd: 12.5, successUrl: "https://shop.example/paid", cancelUrl: "https://shop.example/cancel" });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ sessionId: expect.stringMatching(/^cs_test_standin_/), url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) });
    const request = stripeApi.requests.at(-1)!;
    expect(request.path).toBe("/v1/checkout/sessions");
    expect(request.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(request.form).toMatchObject({
      mode: "payment",
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "1250",
      success_url: "https://shop.example/paid",
      cancel_url: "https://shop.example/cancel",
      "metadata[tenantId]": tenant.id,
      "metadata[owner]": "tenant",
      "payment_intent_data[metadata][tenantId]": tenant.id,
      "payment_intent_data[metadata][owner]": "tenant",
    });
    // Nothing is credited before Stripe says it is paid.
    expect((await balanceOf(tenant.id)).balanceMicroUsd).toBe(0n);
  });

  it("refuses amounts Checkout cannot take or with fractions of a cent", async () => {
    for (const amountUsd of [0, 0.49, 10_000.01, 1.005, -5]) {
      const reply = await operator.call("POST", `${ADMIN}/tenants/${tenant.id}/billing/checkout`, { amountUsd, successUrl: "https://shop.example/a", cancelUrl: "https://shop.example/b" });
      expect(reply.status, String(amountUsd)).toBe(400);
      expect(reply.body.error.code).toBe("invalid_request");
    }
  });
});

describe("webhook", () => {
  it("a paid checkout.session.completed delivered 10× at once credits once; all ten deliveries are in the billing stream", async () => {
    const t = await createTestTenant(server.services, { origin: "https://ten.example" });
    const event = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_ten", t.id, "tenant", 1000, "pi_test_ten"));
    const replies = await Promise.all(Array.from({ length: 10 }, () => deliver(server.url, event)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    const outcomes = replies.map((r) => r.body.outcome).sort();
    expect(outcomes).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate", "processed"]);
    expect(await balanceOf(t.id)).toEqual({ balanceMicroUsd: 10_000_000n, reservedMicroUsd: 0n, availableMicroUsd: 10_000_000n });
    const entries = (await operator.call("GET", `${ADMIN}/tenants/${t.id}/billing/entries`)).body.entries;
    expect(entries).toEqual([expect.objectContaining({ kind: "topup", amountMicroUsd: 10_000_000, externalRef: "cs_test_ten", owner: "tenant" })]);
    const records = (await events(t.id)).filter((r) => r.eventId === event.id);
    expect(records).toHaveLength(10);
    expect(records.filter((r) => r.outcome === "processed")).toEqual([expect.objectContaining({ source: "stripe", type: "checkout.session.completed", amountMicroUsd: 10_000_000, applied: true, externalRef: "cs_test_ten", tenantId: t.id, owner: "tenant" })]);
    expect(records.filter((r) => r.outcome === "duplicate")).toHaveLength(9);
    // Stripe delivering it again a day later: still a duplicate.
    expect((await deliver(server.url, event)).body.outcome).toBe("duplicate");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(10_000_000n);
  });

  it("a bad signature is 400 invalid_signature, credits nothing and is recorded in the operator's billing stream", async () => {
    const t = await createTestTenant(server.services, { origin: "https://forged.example" });
    const genuine = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_forged", t.id, "tenant", 500_000, "pi_test_forged"));
    const forgedSecret = signedEvent("whsec_someone_else", "checkout.session.completed", paidSession("cs_test_forged", t.id, "tenant", 500_000, "pi_test_forged"));
    const attempts = [
      { name: "signed with another secret", event: forgedSecret },
      { name: "body changed after signing", event: { payload: genuine.payload.replace("500000", "900000"), signature: genuine.signature } },
      { name: "no signature", event: { payload: genuine.payload, signature: undefined } },
      { name: "garbage signature", event: { payload: genuine.payload, signature: "t=1,v1=deadbeef" } },
    ];
    const before = (await operatorEvents()).length;
    for (const { name, event } of attempts) {
      const reply = await deliver(server.url, event);
      expect(reply.status, name).toBe(400);
      expect(reply.body.error.code, name).toBe("invalid_signature");
    }
    expect(await balanceOf(t.id)).toEqual({ balanceMicroUsd: 0n, reservedMicroUsd: 0n, availableMicroUsd: 0n });
    expect(await server.services.prisma.stripeEvent.findUnique({ where: { id: genuine.id } })).toBeNull();
    const rejected = (await operatorEvents()).slice(before);
    expect(rejected).toHaveLength(4);
    for (const record of rejected) expect(record).toMatchObject({ source: "stripe", outcome: "rejected", tenantId: null, reason: expect.stringMatching(/^signature: /) });
    expect(OPERATOR_BILLING_STREAM).toBe("oc._operator.billing");
    // Only the operator reads the operator's stream.
    expect((await apiClient(server.url, t.secretKey).call("GET", `${ADMIN}/billing/events`)).status).toBe(403);
    // The tenant's own stream has nothing of the forgery.
    expect(await events(t.id)).toEqual([]);
  });

  it("a refund after spending debits the refunded amount: the balance goes negative, recorded in the ledger and the stream", async () => {
    const t = await createTestTenant(server.services, { origin: "https://refund.example" });
    const paid = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_refund", t.id, "tenant", 1000, "pi_test_refund"));
    expect((await deliver(server.url, paid)).body.outcome).toBe("processed");
    // Spend $8 of the $10 (an answer held and settled through the ledger).
    await server.services.ledger.reserve("gen_refund_1", [{ tenantId: t.id, owner: "tenant" }], 9_000_000n);
    await server.services.ledger.settle("gen_refund_1", 8_000_000n);
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(2_000_000n);
    // The charge carries no metadata of ours: it is traced through its PaymentIntent to the top-up.
    const charge = { id: "ch_test_refund", object: "charge", currency: "usd", amount: 1000, amount_refunded: 400, payment_intent: "pi_test_refund", metadata: {} };
    const partial = signedEvent(WEBHOOK_SECRET, "charge.refunded", charge, { amount_refunded: 0 });
    expect((await deliver(server.url, partial)).body.outcome).toBe("processed");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(-2_000_000n);
    // The rest refunded later: only the new $6 is debited; the same step again debits nothing,
    // nor does the same total without the previous one (what the ledger has not debited: 0).
    const full = signedEvent(WEBHOOK_SECRET, "charge.refunded", { ...charge, amount_refunded: 1000 }, { amount_refunded: 400 });
    expect((await deliver(server.url, full)).body.outcome).toBe("processed");
    const sameStep = signedEvent(WEBHOOK_SECRET, "charge.refunded", { ...charge, amount_refunded: 1000 }, { amount_refunded: 400 });
    expect((await deliver(server.url, sameStep)).body.outcome).toBe("processed");
    const again = signedEvent(WEBHOOK_SECRET, "charge.refunded", { ...charge, amount_refunded: 1000 });
    expect((await deliver(server.url, again)).body.outcome).toBe("ignored");
    expect(await balanceOf(t.id)).toEqual({ balanceMicroUsd: -8_000_000n, reservedMicroUsd: 0n, availableMicroUsd: -8_000_000n });
    const refunds = (await operator.call("GET", `${ADMIN}/tenants/${t.id}/billing/entries`)).body.entries.filter((e: any) => e.kind === "refund");
    expect(refunds.map((e: any) => [e.amountMicroUsd, e.externalRef])).toEqual([
      [-6_000_000, "ch_test_refund:1000"],
      [-4_000_000, "ch_test_refund:400"],
    ]);
    const records = await events(t.id);
    expect(records.filter((r) => r.type === "charge.refunded").map((r) => [r.outcome, r.amountMicroUsd ?? null, r.applied ?? null])).toEqual([
      ["processed", -4_000_000, true],
      ["processed", -6_000_000, true],
      ["processed", -6_000_000, false],
      ["ignored", null, null],
    ]);
    // With a negative balance no answer can be held.
    await expect(server.services.ledger.reserve("gen_refund_2", [{ tenantId: t.id, owner: "tenant" }], 1n)).rejects.toMatchObject({ code: "insufficient_credits" });
  });

  it("two partial refunds of one charge racing each other debit each their own step", async () => {
    const t = await createTestTenant(server.services, { origin: "https://race.example" });
    await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_race", t.id, "tenant", 1000, "pi_test_race")));
    const charge = { id: "ch_test_race", object: "charge", currency: "usd", amount: 1000, payment_intent: "pi_test_race", metadata: { tenantId: t.id, owner: "tenant" } };
    const steps = [signedEvent(WEBHOOK_SECRET, "charge.refunded", { ...charge, amount_refunded: 100 }, { amount_refunded: 0 }), signedEvent(WEBHOOK_SECRET, "charge.refunded", { ...charge, amount_refunded: 300 }, { amount_refunded: 100 })];
    const replies = await Promise.all(steps.map((step) => deliver(server.url, step)));
    expect(replies.map((r) => r.body.outcome)).toEqual(["processed", "processed"]);
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(7_000_000n);
  });

  it("a claim whose process died mid-way (still processing after a minute) is taken over by Stripe's next delivery", async () => {
    const t = await createTestTenant(server.services, { origin: "https://crash.example" });
    const event = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_crash", t.id, "tenant", 700, "pi_test_crash"));
    await server.services.prisma.stripeEvent.create({ data: { id: event.id, tenantId: t.id, type: "checkout.session.completed", outcome: "processing", createdAt: new Date(Date.now() - 5 * 60_000) } });
    expect((await deliver(server.url, event)).body.outcome).toBe("processed");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(7_000_000n);
    // A claim being processed right now is not taken over.
    const busy = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_busy", t.id, "tenant", 700, "pi_test_busy"));
    await server.services.prisma.stripeEvent.create({ data: { id: busy.id, tenantId: t.id, type: "checkout.session.completed", outcome: "processing" } });
    expect((await deliver(server.url, busy)).body.outcome).toBe("duplicate");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(7_000_000n);
  });

  it("a dispute debits the disputed amount as an adjustment, once", async () => {
    const t = await createTestTenant(server.services, { origin: "https://dispute.example" });
    await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_dispute", t.id, "tenant", 2500, "pi_test_dispute")));
    const dispute = { id: "dp_test_1", object: "dispute", amount: 2500, currency: "usd", charge: "ch_test_dispute", payment_intent: "pi_test_dispute", reason: "fraudulent", metadata: {} };
    expect((await deliver(server.url, signedEvent(WEBHOOK_SECRET, "charge.dispute.created", dispute))).body.outcome).toBe("processed");
    expect((await deliver(server.url, signedEvent(WEBHOOK_SECRET, "charge.dispute.created", dispute))).body.outcome).toBe("processed");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(0n);
    const entries = (await operator.call("GET", `${ADMIN}/tenants/${t.id}/billing/entries`)).body.entries;
    expect(entries.map((e: any) => [e.kind, e.amountMicroUsd, e.externalRef])).toEqual([
      ["adjustment", -25_000_000, "dp_test_1"],
      ["topup", 25_000_000, "cs_test_dispute"],
    ]);
  });

  it("an asynchronous payment is credited when it succeeds, not when the session completes unpaid; a failed one credits nothing", async () => {
    const t = await createTestTenant(server.services, { origin: "https://async.example" });
    const pending = paidSession("cs_test_async", t.id, "tenant", 500, "pi_test_async", "unpaid");
    expect((await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.completed", pending))).body.outcome).toBe("ignored");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(0n);
    expect((await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.async_payment_succeeded", { ...pending, payment_status: "paid" }))).body.outcome).toBe("processed");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(5_000_000n);
    const failed = paidSession("cs_test_async_failed", t.id, "tenant", 500, "pi_test_async_failed", "unpaid");
    expect((await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.async_payment_failed", failed))).body.outcome).toBe("processed");
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(5_000_000n);
    const records = await events(t.id);
    expect(records.map((r) => [r.type, r.outcome])).toEqual([
      ["checkout.session.completed", "ignored"],
      ["checkout.session.async_payment_succeeded", "processed"],
      ["checkout.session.async_payment_failed", "processed"],
    ]);
    expect(records[0].reason).toMatch(/payment_status unpaid/);
    expect(records[2].reason).toMatch(/payment failed/);
  });

  it("event types we do not handle, and sessions of no tenant of ours, are answered 200 and recorded as ignored", async () => {
    const before = (await operatorEvents()).length;
    const other = signedEvent(WEBHOOK_SECRET, "customer.created", { id: "cus_1", object: "customer", metadata: {} });
    expect(await deliver(server.url, other)).toEqual({ status: 200, body: { received: true, outcome: "ignored" } });
    const stranger = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_test_stranger", "no-such-tenant", "tenant", 1000, "pi_x"));
    expect((await deliver(server.url, stranger)).body.outcome).toBe("ignored");
    const records = (await operatorEvents()).slice(before);
    expect(records.map((r) => [r.eventId, r.outcome, r.reason])).toEqual([
      [other.id, "ignored", "not an Open Chat top-up (no tenant in its metadata)"],
      [stranger.id, "ignored", "tenant no-such-tenant does not exist"],
    ]);
  });
});

describe("the full top-up path", () => {
  it("out of credits → Checkout session → webhook → balance → the same send is accepted and its answer paid", async () => {
    const t = await createTestTenant(server.services, { origin: "https://path.example" });
    const token = await signInAsGuest(server.url, { publishableKey: t.publishableKey, origin: t.origin });
    const user = apiClient(server.url, token);
    const headers = siteHeaders({ publishableKey: t.publishableKey, origin: t.origin });
    const chat = await user.call("POST", API_PATH.chats, {}, { headers });
    expect(chat.status).toBe(201);
    const send = { clientMessageId: "topup-path-1", text: "hello after paying" };

    const refused = await user.call("POST", API_PATH.messages(chat.body.id), send, { headers });
    expect(refused.status, JSON.stringify(refused.body)).toBe(402);
    expect(refused.body.error.code).toBe("insufficient_credits");

    // The tenant's backend buys $5 of credits.
    const admin = apiClient(server.url, t.secretKey);
    const checkout = await admin.call("POST", `${ADMIN}/tenants/${t.id}/billing/checkout`, { amountUsd: 5, successUrl: "https://path.example/ok", cancelUrl: "https://path.example/no" });
    expect(checkout.status).toBe(200);
    const asked = stripeApi.requests.at(-1)!.form;
    // Stripe completes the payment and tells us, with the metadata we gave the session.
    const completed = signedEvent(WEBHOOK_SECRET, "checkout.session.completed", {
      ...paidSession(checkout.body.sessionId, asked["metadata[tenantId]"]!, asked["metadata[owner]"]!, Number(asked["line_items[0][price_data][unit_amount]"]), "pi_test_path"),
    });
    expect(await deliver(server.url, completed)).toEqual({ status: 200, body: { received: true, outcome: "processed" } });
    expect((await admin.call("GET", `${ADMIN}/tenants/${t.id}/billing`)).body.account).toEqual({ balanceMicroUsd: 5_000_000, reservedMicroUsd: 0, availableMicroUsd: 5_000_000 });

    // The very same send (same clientMessageId) now goes through and its answer is paid.
    server.model.enqueue({ tokens: ["paid ", "answer"], usage: { prompt_tokens: 10, completion_tokens: 2 } });
    const accepted = await user.call("POST", API_PATH.messages(chat.body.id), send, { headers });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    await server.idle();
    const log = await readLog(server.url, token, chat.body.id, undefined, { publishableKey: t.publishableKey, origin: t.origin });
    const done = log.events.find((e: any) => e.type === "message.completed") as any;
    expect(done, JSON.stringify(log.events.map((e: any) => e.type))).toBeDefined();
    const cost = done.payload?.usage?.costMicroUsd ?? done.usage?.costMicroUsd;
    expect(cost).toBeGreaterThan(0);
    expect(await balanceOf(t.id)).toEqual({ balanceMicroUsd: 5_000_000n - BigInt(cost), reservedMicroUsd: 0n, availableMicroUsd: 5_000_000n - BigInt(cost) });
    expect((await events(t.id)).map((r) => [r.type, r.outcome, r.amountMicroUsd])).toEqual([["checkout.session.completed", "processed", 5_000_000]]);
  });
});

describe("grants", () => {
  it("the operator grants credit idempotently by reference; a secret key may not", async () => {
    const t = await createTestTenant(server.services, { origin: "https://grant.example" });
    const first = await operator.call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, { amountMicroUsd: 3_000_000, reference: "welcome-2026" });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ applied: true, entry: { kind: "grant", amountMicroUsd: 3_000_000, balanceAfterMicroUsd: 3_000_000, externalRef: "grant:welcome-2026" } });
    const again = await operator.call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, { amountMicroUsd: 3_000_000, reference: "welcome-2026" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: false, entry: { id: first.body.entry.id } });
    const bySecretKey = await apiClient(server.url, t.secretKey).call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, { amountMicroUsd: 1, reference: "mine" });
    expect(bySecretKey.status).toBe(403);
    const unknownUser = await operator.call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, { owner: "u_nobody", amountMicroUsd: 1, reference: "x" });
    expect(unknownUser.status).toBe(404);
    for (const body of [{ amountMicroUsd: 0, reference: "r" }, { amountMicroUsd: 1.5, reference: "r" }, { amountMicroUsd: 1, reference: "" }, { amountMicroUsd: 1 }]) {
      expect((await operator.call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, body)).status, JSON.stringify(body)).toBe(400);
    }
    const shown = await apiClient(server.url, t.secretKey).call("GET", `${ADMIN}/tenants/${t.id}/billing`);
    expect(shown.body).toMatchObject({ tenantId: t.id, enabled: true, account: { balanceMicroUsd: 3_000_000, reservedMicroUsd: 0, availableMicroUsd: 3_000_000 }, topUps: { enabled: true } });
    expect((await events(t.id)).map((r) => [r.source, r.outcome, r.externalRef])).toEqual([
      ["operator", "processed", "grant:welcome-2026"],
      ["operator", "duplicate", "grant:welcome-2026"],
    ]);
  });
});

describe("the end user's billing routes", () => {
  async function endUser(policy: { endUserAccounts?: boolean; endUserTopUps?: boolean }) {
    const t = await createTestTenant(server.services, { origin: "https://widget.example" });
    await server.services.prisma.tenant.update({ where: { id: t.id }, data: { billing: policy } });
    const token = await signInAsGuest(server.url, { publishableKey: t.publishableKey, origin: t.origin });
    const headers = siteHeaders({ publishableKey: t.publishableKey, origin: t.origin });
    const client = apiClient(server.url, token);
    const call = (method: string, path: string, body?: unknown) => client.call(method, path, body, { headers });
    const session = await call("GET", API_PATH.getSession);
    return { t, call, userId: session.body.user.id as string };
  }

  it("the site pays for everyone: no account of the user's, no top-ups", async () => {
    const { call } = await endUser({});
    expect((await call("GET", API_PATH.billing)).body).toEqual({ enabled: true, account: null, topUps: { enabled: false, amountsUsd: [5, 10] } });
    const checkout = await call("POST", API_PATH.billingCheckout, { amountUsd: 5, returnUrl: "https://widget.example/" });
    expect(checkout.status).toBe(404);
    expect(checkout.body.error.code).toBe("billing_disabled");
  });

  it("end-user accounts with top-ups: the balance, a Checkout page for the user's own account, a return URL on the site only", async () => {
    const { t, call, userId } = await endUser({ endUserAccounts: true, endUserTopUps: true });
    await server.services.ledger.credit({ tenantId: t.id, owner: userId }, "grant", 1_500_000n, "test-grant");
    expect((await call("GET", API_PATH.billing)).body).toEqual({ enabled: true, account: { availableMicroUsd: 1_500_000, balanceMicroUsd: 1_500_000 }, topUps: { enabled: true, amountsUsd: [5, 10] } });
    const checkout = await call("POST", API_PATH.billingCheckout, { amountUsd: 10, returnUrl: "https://widget.example/shop?x=1" });
    expect(checkout.status, JSON.stringify(checkout.body)).toBe(200);
    expect(checkout.body).toEqual({ url: expect.stringMatching(/^https:\/\/checkout\.stripe\.test\//) });
    expect(stripeApi.requests.at(-1)!.form).toMatchObject({ "line_items[0][price_data][unit_amount]": "1000", "metadata[tenantId]": t.id, "metadata[owner]": userId, success_url: "https://widget.example/shop?x=1" });
    for (const [body, message] of [
      [{ amountUsd: 7, returnUrl: "https://widget.example/" }, /amountUsd/],
      [{ amountUsd: 5, returnUrl: "https://evil.example/" }, /returnUrl/],
      [{ amountUsd: 5, returnUrl: "javascript:alert(1)" }, /returnUrl/],
      [{ amountUsd: 5 }, /returnUrl/],
    ] as const) {
      const reply = await call("POST", API_PATH.billingCheckout, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error.message).toMatch(message);
    }
    // Paid: the webhook credits the user's own account.
    const sessionId = `cs_test_user_${userId}`;
    await deliver(server.url, signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession(sessionId, t.id, userId, 1000, `pi_${userId}`)));
    expect((await call("GET", API_PATH.billing)).body.account).toEqual({ availableMicroUsd: 11_500_000, balanceMicroUsd: 11_500_000 });
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(0n);
  });

  it("needs a session", async () => {
    expect((await fetch(`${server.url}${API_PATH.billing}`, { headers: siteHeaders({ publishableKey: tenant.publishableKey, origin: tenant.origin }) })).status).toBe(401);
  });
});

describe("open-chat credits", () => {
  function captured(extraEnv: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: OperatorIo = {
      // The server's own database and streams tier: the grant's record lands where the admin API reads it.
      env: { DATABASE_URL: server.database.url, STREAMS_URL: server.services.streams.baseUrl, ENCRYPTION_KEY: "", OPERATOR_KEY: "", ...extraEnv },
      stdin: { isTTY: false, read: async () => "" },
      stdout: (text) => void out.push(text),
      stderr: (text) => void err.push(text),
    };
    return { io, out, err };
  }

  it("grants to the tenant's account and to a user's, idempotently by reference, and shows the balance", async () => {
    const t = await createTestTenant(server.services, { origin: "https://cli.example" });
    const token = await signInAsGuest(server.url, { publishableKey: t.publishableKey, origin: t.origin });
    const userId = (await apiClient(server.url, token).call("GET", API_PATH.getSession, undefined, { headers: siteHeaders(t) })).body.user.id as string;

    const first = captured();
    expect(await runOperatorCommand(["credits", "grant", "--tenant", t.id, "--usd", "2.50", "--reference", "cli-1"], first.io), first.err.join("\n")).toBe(0);
    expect(first.out.join("\n")).toBe(`granted 2.500000 USD to tenant ${t.id}; balance now 2.500000 USD`);
    const again = captured();
    expect(await runOperatorCommand(["credits", "grant", "--tenant", t.id, "--usd", "2.50", "--reference", "cli-1"], again.io)).toBe(0);
    expect(again.out.join("\n")).toBe(`already granted with reference cli-1 (2.500000 USD to tenant ${t.id}): nothing changed`);
    const toUser = captured();
    expect(await runOperatorCommand(["credits", "grant", "--tenant", t.id, "--user", userId, "--usd", "0.000150", "--reference", "cli-2", "--json"], toUser.io)).toBe(0);
    expect(JSON.parse(toUser.out.join("\n"))).toMatchObject({ applied: true, entry: { owner: userId, kind: "grant", amountMicroUsd: 150, externalRef: "grant:cli-2" } });

    const shown = captured();
    expect(await runOperatorCommand(["credits", "show", "--tenant", t.id], shown.io)).toBe(0);
    const text = shown.out.join("\n");
    expect(text).toContain(`account        tenant ${t.id}`);
    expect(text).toMatch(/balance USD\s+2\.500000/);
    expect(text).toMatch(/grant\s+2\.500000\s+2\.500000\s+grant:cli-1/);
    const shownJson = captured();
    expect(await runOperatorCommand(["credits", "show", "--tenant", t.id, "--user", userId, "--json"], shownJson.io)).toBe(0);
    expect(JSON.parse(shownJson.out.join("\n"))).toMatchObject({ owner: userId, balanceMicroUsd: 150, reservedMicroUsd: 0, availableMicroUsd: 150 });
    // The CLI's grants are in the tenant's billing stream like the admin API's.
    expect((await events(t.id)).map((r) => [r.source, r.outcome, r.externalRef])).toEqual([
      ["operator", "processed", "grant:cli-1"],
      ["operator", "duplicate", "grant:cli-1"],
      ["operator", "processed", "grant:cli-2"],
    ]);
  });

  it("refuses bad amounts, references, unknown users and tenants", async () => {
    for (const usd of ["0", "1e3", "1.0000001", "abc", "2000000"]) {
      const run = captured();
      expect(await runOperatorCommand(["credits", "grant", "--tenant", tenant.id, "--usd", usd, "--reference", "r"], run.io), usd).toBe(1);
      expect(run.err.join("\n")).toMatch(/--usd/);
    }
    const badRef = captured();
    expect(await runOperatorCommand(["credits", "grant", "--tenant", tenant.id, "--usd", "1", "--reference", "a b"], badRef.io)).toBe(1);
    const noUser = captured();
    expect(await runOperatorCommand(["credits", "show", "--tenant", tenant.id, "--user", "u_nobody", "--json"], noUser.io)).toBe(1);
    expect(JSON.parse(noUser.out.join("\n")).error.code).toBe("user_not_found");
    const noTenant = captured();
    expect(await runOperatorCommand(["credits", "show", "--tenant", "nope"], noTenant.io)).toBe(1);
    const missing = captured();
    expect(await runOperatorCommand(["credits", "grant", "--tenant", tenant.id, "--usd", "1"], missing.io)).toBe(2);
  });

  // The Stripe settings as `open-chat serve` reads them, pointing at the local stand-in.
  const withStripe = () => captured({ STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: stripeApi.url });
  const checkoutArgs = (tenantId: string, usd: string, successUrl = "https://cli.example/paid", cancelUrl = "https://cli.example/cancel") =>
    ["credits", "checkout", "--tenant", tenantId, "--usd", usd, "--success-url", successUrl, "--cancel-url", cancelUrl];

  it("checkout makes a Checkout session topping up the tenant's account (amount in cents, the account in the metadata) and prints its id and URL", async () => {
    const t = await createTestTenant(server.services, { origin: "https://cli-checkout.example" });
    const run = withStripe();
    expect(await runOperatorCommand(checkoutArgs(t.id, "12.50"), run.io), run.err.join("\n")).toBe(0);
    const request = stripeApi.requests.at(-1)!;
    expect([request.method, request.path, request.authorization]).toEqual(["POST", "/v1/checkout/sessions", `Bearer ${SECRET_KEY}`]);
    expect(request.form).toMatchObject({
      mode: "payment",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "1250",
      success_url: "https://cli.example/paid",
      cancel_url: "https://cli.example/cancel",
      "metadata[tenantId]": t.id,
      "metadata[owner]": "tenant",
      "payment_intent_data[metadata][tenantId]": t.id,
    });
    const text = run.out.join("\n");
    const [, sessionId] = /^ {2}session\s+(cs_test_standin_\S+)$/m.exec(text) ?? [];
    expect(sessionId, text).toBeDefined();
    expect(text).toMatch(new RegExp(`^Checkout page for 12\\.50 USD to tenant ${t.id} `));
    expect(text).toMatch(new RegExp(`^ {2}url\\s+https://checkout\\.stripe\\.test/c/pay/${sessionId}$`, "m"));
    // Nothing is credited before Stripe says it is paid.
    expect((await balanceOf(t.id)).balanceMicroUsd).toBe(0n);

    const json = withStripe();
    expect(await runOperatorCommand([...checkoutArgs(t.id, "5"), "--json"], json.io)).toBe(0);
    const answer = JSON.parse(json.out.join("\n"));
    expect(answer).toEqual({ sessionId: expect.stringMatching(/^cs_test_standin_/), url: `https://checkout.stripe.test/c/pay/${answer.sessionId}` });
    expect(stripeApi.requests.at(-1)!.form).toMatchObject({ "line_items[0][price_data][unit_amount]": "500", "metadata[tenantId]": t.id, "metadata[owner]": "tenant" });
  });

  it("checkout without STRIPE_SECRET_KEY: exit 1 billing_disabled, Stripe not called", async () => {
    const before = stripeApi.requests.length;
    const [human, json] = [captured({ STRIPE_SECRET_KEY: "" }), captured()];
    expect(await runOperatorCommand(checkoutArgs(tenant.id, "5"), human.io)).toBe(1);
    expect(human.err.join("\n")).toMatch(/^open-chat: top-ups are not configured: set STRIPE_SECRET_KEY/);
    expect(await runOperatorCommand([...checkoutArgs(tenant.id, "5"), "--json"], json.io)).toBe(1);
    expect(JSON.parse(json.out.join("\n")).error.code).toBe("billing_disabled");
    expect(stripeApi.requests.length).toBe(before);
  });

  it("checkout refuses bad amounts and URLs (invalid_request), unknown tenants (tenant_not_found), missing options (usage); Stripe not called", async () => {
    const before = stripeApi.requests.length;
    for (const usd of ["0", "0.49", "10000.01", "1.005", "1e3", "0x10", "abc", ""]) {
      const run = withStripe();
      expect(await runOperatorCommand([...checkoutArgs(tenant.id, usd), "--json"], run.io), usd).toBe(1);
      expect(JSON.parse(run.out.join("\n")).error, usd).toEqual({ code: "invalid_request", message: `--usd: ${JSON.stringify(usd)} is not 0.5 … 10000 USD with at most two decimals` });
    }
    for (const [successUrl, cancelUrl, option] of [
      ["ftp://cli.example/paid", "https://cli.example/cancel", "--success-url"],
      ["https://cli.example/paid", "javascript:alert(1)", "--cancel-url"],
      ["cli.example/paid", "https://cli.example/cancel", "--success-url"],
      ["https://cli.example/paid", `https://cli.example/${"x".repeat(2048)}`, "--cancel-url"],
    ] as const) {
      const run = withStripe();
      expect(await runOperatorCommand([...checkoutArgs(tenant.id, "5", successUrl, cancelUrl), "--json"], run.io), successUrl + cancelUrl).toBe(1);
      const error = JSON.parse(run.out.join("\n")).error;
      expect(error.code).toBe("invalid_request");
      expect(error.message.startsWith(`${option}: `), error.message).toBe(true);
    }
    const noTenant = withStripe();
    expect(await runOperatorCommand([...checkoutArgs("nope", "5"), "--json"], noTenant.io)).toBe(1);
    expect(JSON.parse(noTenant.out.join("\n")).error).toEqual({ code: "tenant_not_found", message: "no tenant nope" });
    const missing = withStripe();
    expect(await runOperatorCommand(["credits", "checkout", "--tenant", tenant.id, "--usd", "5", "--success-url", "https://cli.example/a"], missing.io)).toBe(2);
    expect(missing.err.join("\n")).toMatch(/^open-chat: --cancel-url is required\nusage: open-chat credits checkout --tenant <id> --usd <amount> --success-url <url> --cancel-url <url>/);
    expect(stripeApi.requests.length).toBe(before);
  });
});

describe("without Stripe", () => {
  it("every top-up route is 404 billing_disabled and the rest works", async () => {
    const plain = await startTestServer({ settings: { operatorKey: OPERATOR_KEY, billing: { enabled: true } } });
    try {
      const admin = apiClient(plain.url, OPERATOR_KEY);
      const t = await createTestTenant(plain.services, { origin: "https://plain.example" });
      await plain.services.prisma.tenant.update({ where: { id: t.id }, data: { billing: { endUserAccounts: true, endUserTopUps: true } } });
      const checkout = await admin.call("POST", `${ADMIN}/tenants/${t.id}/billing/checkout`, { amountUsd: 5, successUrl: "https://plain.example/a", cancelUrl: "https://plain.example/b" });
      expect([checkout.status, checkout.body.error.code]).toEqual([404, "billing_disabled"]);
      const webhook = await deliver(plain.url, signedEvent(WEBHOOK_SECRET, "checkout.session.completed", paidSession("cs_plain", t.id, "tenant", 500, "pi_plain")));
      expect([webhook.status, webhook.body.error.code]).toEqual([404, "billing_disabled"]);
      const token = await signInAsGuest(plain.url, { publishableKey: t.publishableKey, origin: t.origin });
      const user = apiClient(plain.url, token);
      const headers = siteHeaders({ publishableKey: t.publishableKey, origin: t.origin });
      expect((await user.call("GET", API_PATH.billing, undefined, { headers })).body).toMatchObject({ enabled: true, topUps: { enabled: false } });
      expect((await user.call("POST", API_PATH.billingCheckout, { amountUsd: 5, returnUrl: "https://plain.example/" }, { headers })).status).toBe(404);
      const grant = await admin.call("POST", `${ADMIN}/tenants/${t.id}/billing/grants`, { amountMicroUsd: 2_000_000, reference: "r1" });
      expect(grant.status).toBe(201);
      expect((await admin.call("GET", `${ADMIN}/tenants/${t.id}/billing`)).body).toMatchObject({ account: { balanceMicroUsd: 2_000_000 }, topUps: { enabled: false } });
    } finally {
      await plain.close();
    }
  }, 60_000);
});
