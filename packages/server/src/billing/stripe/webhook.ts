/**
 * Stripe's webhook: the raw body's `Stripe-Signature` is verified (stripe.webhooks
 * .constructEventAsync), then the event is claimed once by its id (a `stripe_event` row inserted
 * first: a redelivery, even a concurrent one, finds it and is answered as a duplicate) and
 * applied to the ledger — which is idempotent by its own external reference too (the Checkout
 * session, the charge + refunded amount, the dispute), so not even a claim that failed halfway
 * and is retried can credit twice. Every delivery, whatever came of it, is one record in the
 * billing stream (billing-stream.ts).
 *
 *   checkout.session.completed (paid)          → credit `topup`, ref = session id
 *   checkout.session.async_payment_succeeded   → the same credit (same ref: once in all)
 *   checkout.session.async_payment_failed      → recorded, nothing credited
 *   charge.refunded                            → debit `refund` by the newly refunded amount, ref = charge id:refunded total
 *   charge.dispute.created                     → debit `adjustment` by the disputed amount, ref = dispute id
 *   anything else                              → recorded as ignored
 */
import Stripe from "stripe";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { BillingRecord, BillingStream } from "../billing-stream.js";
import type { AccountRef, Ledger } from "../ledger-types.js";
import { centsToMicroUsd } from "./settings.js";

export type WebhookAnswer =
  | { status: 200; outcome: "processed" | "duplicate" | "ignored" }
  | { status: 400; reason: string }
  | { status: 500; reason: string };

export interface WebhookDeps {
  prisma: PrismaClient;
  ledger: Ledger;
  stream: BillingStream;
  webhookSecret: string;
}

/** Metadata every session we create carries (checkout.ts). */
export const METADATA = { tenantId: "tenantId", owner: "owner" } as const;

const MAX_REASON = 300;
/**
 * A claim still `processing` after this long belongs to a process that died between claiming and
 * recording the outcome; Stripe's next delivery takes it over. (Applying twice is harmless anyway:
 * the ledger is idempotent by Stripe's ids.)
 */
export const STALE_CLAIM_SECONDS = 60;

type Applied = Omit<BillingRecord, "at" | "source" | "eventId" | "type" | "livemode" | "tenantId" | "owner"> & { outcome: "processed" | "ignored" };

export function createWebhookHandler(deps: WebhookDeps) {
  const { prisma, ledger, stream } = deps;

  return async function handle(rawBody: Uint8Array, signature: string | undefined): Promise<WebhookAnswer> {
    let event: Stripe.Event;
    try {
      if (!signature) throw new Error("no Stripe-Signature header");
      event = await Stripe.webhooks.constructEventAsync(rawBody, signature, deps.webhookSecret);
    } catch (error) {
      const reason = `signature: ${truncate(error instanceof Error ? error.message : String(error))}`;
      // Nothing in an unverified body is believed, its tenant least of all: the operator's stream.
      await stream.append({ source: "stripe", outcome: "rejected", reason, tenantId: null });
      return { status: 400, reason };
    }

    const account = await accountOf(event);
    const base = { source: "stripe" as const, eventId: event.id, type: event.type, livemode: event.livemode, tenantId: account?.tenantId ?? null, ...(account ? { owner: account.owner } : {}) };

    const claim = await claimEvent(event, account?.tenantId ?? null);
    if (claim !== "claimed") {
      await stream.append({ ...base, outcome: "duplicate", reason: `first delivery: ${claim}` });
      return { status: 200, outcome: "duplicate" };
    }

    let applied: Applied;
    try {
      applied = account ? await apply(event, account) : { outcome: "ignored", reason: unknownAccountReason(event) };
    } catch (error) {
      const reason = truncate(error instanceof Error ? error.message : String(error));
      // Stripe delivers it again later; the failed claim may then be taken over (claimEvent).
      await prisma.stripeEvent.update({ where: { id: event.id }, data: { outcome: "failed" } });
      await stream.append({ ...base, outcome: "failed", reason });
      console.error(`[open-chat] stripe event ${event.id} (${event.type}) failed:`, error);
      return { status: 500, reason };
    }
    await prisma.stripeEvent.update({ where: { id: event.id }, data: { outcome: applied.outcome } });
    await stream.append({ ...base, ...applied });
    return { status: 200, outcome: applied.outcome };
  };

  /**
   * Inserts the event's row first: only the delivery whose insert succeeded applies it. A row
   * left `failed` by an earlier delivery, or left `processing` for over STALE_CLAIM_SECONDS (its
   * process died mid-way), is taken over by exactly one later delivery (`createdAt` is the claim's
   * time). Returns "claimed", or the outcome the first delivery recorded.
   */
  async function claimEvent(event: Stripe.Event, tenantId: string | null): Promise<"claimed" | string> {
    const inserted = await prisma.$executeRaw`INSERT INTO stripe_event (id, "tenantId", type, outcome) VALUES (${event.id}, ${tenantId}, ${event.type}, 'processing') ON CONFLICT (id) DO NOTHING`;
    if (inserted === 1) return "claimed";
    const retaken = await prisma.$executeRaw`UPDATE stripe_event SET outcome = 'processing', "createdAt" = now()
      WHERE id = ${event.id} AND (outcome = 'failed' OR (outcome = 'processing' AND "createdAt" < now() - make_interval(secs => ${STALE_CLAIM_SECONDS})))`;
    if (retaken === 1) return "claimed";
    const row = await prisma.stripeEvent.findUnique({ where: { id: event.id }, select: { outcome: true } });
    return row?.outcome ?? "unknown";
  }

  async function apply(event: Stripe.Event, account: AccountRef): Promise<Applied> {
    switch (event.type) {
      case "checkout.session.completed":
      case "checkout.session.async_payment_succeeded": {
        const session = event.data.object;
        if (session.payment_status !== "paid") return { outcome: "ignored", reason: `payment_status ${session.payment_status}: credited when async_payment_succeeded arrives` };
        if (session.currency !== "usd") return { outcome: "ignored", reason: `currency ${session.currency}: only usd is credited` };
        const cents = session.amount_subtotal ?? session.amount_total ?? 0;
        if (cents <= 0) return { outcome: "ignored", reason: "nothing paid" };
        const paymentIntent = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
        const note = `stripe checkout ${session.id}${paymentIntent ? ` payment_intent=${paymentIntent}` : ""}`;
        const { entry, applied } = await ledger.credit(account, "topup", centsToMicroUsd(cents), session.id, note);
        return { outcome: "processed", amountMicroUsd: Number(entry.amountMicroUsd), applied, ledgerEntryId: entry.id, externalRef: session.id };
      }
      case "checkout.session.async_payment_failed":
        return { outcome: "processed", reason: "payment failed: nothing credited", externalRef: event.data.object.id };
      case "charge.refunded": {
        const charge = event.data.object;
        if (charge.currency !== "usd") return { outcome: "ignored", reason: `currency ${charge.currency}: only usd is debited` };
        // Partial refunds arrive one event each, with the charge's running total and the total
        // before it (previous_attributes): debit the step, named by the new total (idempotent,
        // and two steps racing each other debit each their own). Without the previous total,
        // what the ledger has not debited yet for this charge.
        const previous = (event.data.previous_attributes as { amount_refunded?: unknown } | undefined)?.amount_refunded;
        let amount: bigint;
        if (typeof previous === "number") amount = centsToMicroUsd(charge.amount_refunded - previous);
        else {
          const earlier = await prisma.ledgerEntry.findMany({
            where: { kind: "refund", externalRef: { startsWith: `${charge.id}:` }, account: { tenantId: account.tenantId, owner: account.owner } },
            select: { amountMicroUsd: true },
          });
          amount = centsToMicroUsd(charge.amount_refunded) + earlier.reduce((sum, row) => sum + row.amountMicroUsd, 0n);
        }
        const externalRef = `${charge.id}:${charge.amount_refunded}`;
        if (amount <= 0n) return { outcome: "ignored", reason: "nothing newly refunded on this charge", externalRef };
        const { entry, applied } = await ledger.debit(account, "refund", amount, externalRef, `stripe refund of ${charge.id}`);
        return { outcome: "processed", amountMicroUsd: Number(entry.amountMicroUsd), applied, ledgerEntryId: entry.id, externalRef };
      }
      case "charge.dispute.created": {
        const dispute = event.data.object;
        if (dispute.currency !== "usd") return { outcome: "ignored", reason: `currency ${dispute.currency}: only usd is debited` };
        const { entry, applied } = await ledger.debit(account, "adjustment", centsToMicroUsd(dispute.amount), dispute.id, `stripe dispute ${dispute.id} (${dispute.reason}) of ${idOf(dispute.charge)}`);
        return { outcome: "processed", amountMicroUsd: Number(entry.amountMicroUsd), applied, ledgerEntryId: entry.id, externalRef: dispute.id };
      }
      default:
        return { outcome: "ignored", reason: "event type not handled" };
    }
  }

  /**
   * Whose money the event is about: our metadata on the session (and on its PaymentIntent and
   * charge); for a charge or dispute without it, the top-up its PaymentIntent paid for. Null for
   * events that are not about an Open Chat top-up, or name a tenant that does not exist.
   */
  async function accountOf(event: Stripe.Event): Promise<AccountRef | null> {
    const object = event.data.object as { object?: string; metadata?: Record<string, string> | null; payment_intent?: unknown };
    const tenantId = object.metadata?.[METADATA.tenantId];
    const owner = object.metadata?.[METADATA.owner];
    if (tenantId && owner) return (await tenantExists(tenantId)) ? { tenantId, owner } : null;
    const paymentIntent = idOf(object.payment_intent);
    if ((object.object === "charge" || object.object === "dispute") && paymentIntent) {
      const topup = await prisma.ledgerEntry.findFirst({
        where: { kind: "topup", note: { endsWith: ` payment_intent=${paymentIntent}` } },
        select: { account: { select: { tenantId: true, owner: true } } },
      });
      if (topup) return { tenantId: topup.account.tenantId, owner: topup.account.owner };
    }
    return null;
  }

  async function tenantExists(id: string): Promise<boolean> {
    return (await prisma.tenant.findUnique({ where: { id }, select: { id: true } })) !== null;
  }
}

function unknownAccountReason(event: Stripe.Event): string {
  const object = event.data.object as { metadata?: Record<string, string> | null };
  const tenantId = object.metadata?.[METADATA.tenantId];
  return tenantId ? `tenant ${truncate(tenantId, 60)} does not exist` : "not an Open Chat top-up (no tenant in its metadata)";
}

function idOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") return (value as { id: string }).id;
  return null;
}

function truncate(text: string, max = MAX_REASON): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

