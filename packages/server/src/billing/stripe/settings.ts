/**
 * Stripe's settings (README "Billing"): STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET,
 * STRIPE_API_BASE, TOPUP_AMOUNTS_USD. Without a secret key every top-up route answers
 * `404 billing_disabled`; without a webhook secret the webhook does too.
 */
export interface StripeSettings {
  /** `sk_…`: creates Checkout sessions. Unset = top-ups are off. */
  secretKey?: string;
  /** `whsec_…`: verifies the webhook's `Stripe-Signature`. */
  webhookSecret?: string;
  /** Where the Stripe API is, e.g. `http://127.0.0.1:12345` for a local stand-in. Unset = api.stripe.com. */
  apiBase?: string;
  /** What an end user may buy from the widget (whole dollars or cents), e.g. `[5, 10, 25]`. */
  topUpAmountsUsd: number[];
}

export const DEFAULT_TOPUP_AMOUNTS_USD = [5, 10, 25];

/** Checkout's own bounds for one USD payment: $0.50 … $999,999.99; we sell at most $10,000 at once. */
export const MIN_TOPUP_USD = 0.5;
export const MAX_TOPUP_USD = 10_000;

/** A top-up amount in cents, or null when it is not a USD amount we sell (at most 2 decimals, within the bounds). */
export function topUpCents(amountUsd: number): number | null {
  if (!Number.isFinite(amountUsd) || amountUsd < MIN_TOPUP_USD || amountUsd > MAX_TOPUP_USD) return null;
  const cents = Math.round(amountUsd * 100);
  if (Math.abs(cents - amountUsd * 100) > 1e-6) return null;
  return cents;
}

/** 1 cent = 10,000 µUSD. */
export function centsToMicroUsd(cents: number): bigint {
  return BigInt(cents) * 10_000n;
}

/** TOPUP_AMOUNTS_USD ("5,10,25"): each a sellable amount, no duplicates, at least one. */
export function parseTopUpAmounts(raw: string): number[] {
  const amounts = raw.split(",").map((part) => part.trim()).filter(Boolean).map(Number);
  if (amounts.length === 0) throw new Error(`TOPUP_AMOUNTS_USD must list at least one amount, got ${JSON.stringify(raw)}`);
  for (const amount of amounts) {
    if (topUpCents(amount) === null) throw new Error(`TOPUP_AMOUNTS_USD: each amount must be ${MIN_TOPUP_USD}…${MAX_TOPUP_USD} USD with at most 2 decimals, got ${JSON.stringify(raw)}`);
  }
  if (new Set(amounts).size !== amounts.length) throw new Error(`TOPUP_AMOUNTS_USD lists an amount twice: ${JSON.stringify(raw)}`);
  return amounts;
}

/** STRIPE_API_BASE: an absolute http(s) URL without path. */
export function parseApiBase(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || (url.pathname !== "/" && url.pathname !== "")) {
    throw new Error(`STRIPE_API_BASE must be an absolute http(s) URL without a path (e.g. http://127.0.0.1:12111), got ${JSON.stringify(raw)}`);
  }
  return url.origin;
}
