/**
 * The Stripe API client, made from the settings: api.stripe.com by default, or the host, port
 * and protocol of STRIPE_API_BASE (a local stand-in in tests, stripe-mock in development).
 * Null without STRIPE_SECRET_KEY: top-ups are off.
 */
import Stripe from "stripe";
import type { StripeSettings } from "./settings.js";

export type StripeClient = Stripe;

export function createStripeClient(settings: Pick<StripeSettings, "secretKey" | "apiBase">): Stripe | null {
  if (!settings.secretKey) return null;
  const base = settings.apiBase ? new URL(settings.apiBase) : null;
  const protocol = base?.protocol === "http:" ? "http" : "https";
  return new Stripe(settings.secretKey, {
    ...(base ? { host: base.hostname, port: base.port ? Number(base.port) : protocol === "http" ? 80 : 443, protocol } : {}),
    // One retry with Stripe's idempotency key (the library sends one on retried POSTs).
    maxNetworkRetries: 1,
    timeout: 20_000,
    appInfo: { name: "open-chat" },
  });
}
