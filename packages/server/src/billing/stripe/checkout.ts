/**
 * Stripe Checkout sessions for top-ups: one line of "Open Chat credits" priced in USD cents
 * (price_data, no catalog objects to keep in Stripe), mode `payment`, and the account it tops up
 * in the metadata of the session and of its PaymentIntent (so its charge, refunds and disputes
 * can be traced back; webhook.ts). The credit happens only when the webhook says it is paid.
 */
import type Stripe from "stripe";
import type { AccountRef } from "../ledger-types.js";
import { METADATA } from "./webhook.js";

export interface CheckoutRequest {
  account: AccountRef;
  cents: number;
  successUrl: string;
  cancelUrl: string;
}

export interface CheckoutSession {
  sessionId: string;
  url: string;
}

export async function createCheckoutSession(stripe: Stripe, request: CheckoutRequest): Promise<CheckoutSession> {
  const metadata = { [METADATA.tenantId]: request.account.tenantId, [METADATA.owner]: request.account.owner };
  const session = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [
      {
        quantity: 1,
        price_data: { currency: "usd", unit_amount: request.cents, product_data: { name: "Open Chat credits", description: `$${(request.cents / 100).toFixed(2)} of chat credits` } },
      },
    ],
    success_url: request.successUrl,
    cancel_url: request.cancelUrl,
    metadata,
    payment_intent_data: { metadata },
  });
  if (!session.url) throw new Error(`Stripe answered checkout session ${session.id} without a url`);
  return { sessionId: session.id, url: session.url };
}
