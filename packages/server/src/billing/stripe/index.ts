/**
 * Top-ups and credit from outside the turn path: Stripe Checkout sessions, Stripe's webhook,
 * operator grants, and the billing stream that records each of them (README "Billing").
 * HTTP-free: the routes (routes/billing.ts, routes/stripe-webhook.ts, routes/admin/billing.ts)
 * and the CLI (cli/credits.ts) decide what a caller may do and how it is answered.
 */
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { StreamsClient } from "../../streams/client/types.js";
import { createBillingStream, type BillingStream } from "../billing-stream.js";
import type { AccountRef, Ledger, LedgerEntryRecord } from "../ledger-types.js";
import { createCheckoutSession, type CheckoutSession } from "./checkout.js";
import { createStripeClient } from "./client.js";
import { DEFAULT_TOPUP_AMOUNTS_USD, type StripeSettings } from "./settings.js";
import { createWebhookHandler, type WebhookAnswer } from "./webhook.js";

export interface StripeBilling {
  /** STRIPE_SECRET_KEY is set: Checkout sessions can be made. */
  readonly topUpsEnabled: boolean;
  /** STRIPE_WEBHOOK_SECRET is set: the webhook verifies and applies deliveries. */
  readonly webhookEnabled: boolean;
  /** TOPUP_AMOUNTS_USD: what an end user may buy. */
  readonly topUpAmountsUsd: readonly number[];
  readonly stream: BillingStream;
  /** A Checkout session topping up `account` by `cents` (top-ups must be enabled). */
  checkout(account: AccountRef, cents: number, urls: { successUrl: string; cancelUrl: string }): Promise<CheckoutSession>;
  /** Verifies and applies one webhook delivery (the webhook must be enabled). */
  webhook(rawBody: Uint8Array, signature: string | undefined): Promise<WebhookAnswer>;
  /** An operator grant, idempotent by `reference`; recorded in the tenant's billing stream. */
  grant(account: AccountRef, amountMicroUsd: bigint, reference: string): Promise<{ entry: LedgerEntryRecord; applied: boolean }>;
}

export interface StripeBillingDeps {
  prisma: PrismaClient;
  streams: Pick<StreamsClient, "ensureStream" | "append" | "read">;
  ledger: Ledger;
  clock: () => Date;
  settings: StripeSettings | undefined;
}

/** Grants are credited with this prefix before their reference (top-ups use Stripe's ids). */
export const GRANT_REF_PREFIX = "grant:";

export function createStripeBilling(deps: StripeBillingDeps): StripeBilling {
  const settings = deps.settings ?? { topUpAmountsUsd: DEFAULT_TOPUP_AMOUNTS_USD };
  const stripe = createStripeClient(settings);
  const stream = createBillingStream(deps.streams, deps.clock);
  const webhookSecret = settings.webhookSecret;
  const handle = webhookSecret ? createWebhookHandler({ prisma: deps.prisma, ledger: deps.ledger, stream, webhookSecret }) : null;
  return {
    topUpsEnabled: stripe !== null,
    webhookEnabled: handle !== null,
    topUpAmountsUsd: settings.topUpAmountsUsd,
    stream,
    async checkout(account, cents, urls) {
      if (!stripe) throw new Error("top-ups are off: STRIPE_SECRET_KEY is not set");
      return createCheckoutSession(stripe, { account, cents, ...urls });
    },
    async webhook(rawBody, signature) {
      if (!handle) throw new Error("the Stripe webhook is off: STRIPE_WEBHOOK_SECRET is not set");
      return handle(rawBody, signature);
    },
    async grant(account, amountMicroUsd, reference) {
      const externalRef = `${GRANT_REF_PREFIX}${reference}`;
      const result = await deps.ledger.credit(account, "grant", amountMicroUsd, externalRef, "operator grant");
      await stream.append({
        source: "operator",
        outcome: result.applied ? "processed" : "duplicate",
        tenantId: account.tenantId,
        owner: account.owner,
        amountMicroUsd: Number(result.entry.amountMicroUsd),
        applied: result.applied,
        ledgerEntryId: result.entry.id,
        externalRef,
      });
      return result;
    },
  };
}
