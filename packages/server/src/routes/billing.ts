/**
 * `/v1/billing` — the signed-in end user's credits (publishable key + session, like `/v1/me`):
 * `GET` says whether billing is on, the user's own balance (null when the site pays for all its
 * users: policy `endUserAccounts` off) and whether they may top up; `POST /checkout` makes a
 * Stripe Checkout page for one of TOPUP_AMOUNTS_USD, where the site's policy allows end-user
 * top-ups (`endUserTopUps`) and Stripe is configured — else `404 billing_disabled`. The credit
 * arrives through Stripe's webhook, never through this route.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { AppEnv } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { readJson } from "../http/body.js";
import { END_USER_SECURITY, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import type { Services } from "../services.js";
import { topUpCents } from "../billing/stripe/settings.js";
import { DEFAULT_TENANT_ID } from "../tenants/tenant-id.js";

const MicroUsdJson = v.pipe(v.number(), v.integer());

export const BillingJson = v.object({
  /** BILLING=on on this server. */
  enabled: v.boolean(),
  /** The user's own account; null when the site's account pays for every answer. */
  account: v.nullable(v.object({ availableMicroUsd: MicroUsdJson, balanceMicroUsd: MicroUsdJson })),
  topUps: v.object({ enabled: v.boolean(), amountsUsd: v.array(v.number()) }),
});

export const CheckoutBody = v.strictObject({
  amountUsd: v.pipe(v.number(), v.finite()),
  /** Where Checkout sends the user back: a page of one of the site's allowed origins. */
  returnUrl: v.pipe(v.string(), v.maxLength(2048)),
});

const CheckoutJson = v.object({ url: v.string() });

export function billingRoutes(services: Pick<Services, "billing" | "stripe" | "ledger" | "tenants" | "settings">) {
  /** What this user may see and do, from the server's settings and the site's policy. */
  async function standing(tenantId: string, userId: string) {
    if (!services.billing.enabled) return { enabled: false, account: null, topUps: false };
    const policy = await services.billing.policy(tenantId);
    if (!policy.endUserAccounts) return { enabled: true, account: null, topUps: false };
    const balance = await services.ledger.balance({ tenantId, owner: userId });
    return {
      enabled: true,
      account: { availableMicroUsd: Number(balance.availableMicroUsd), balanceMicroUsd: Number(balance.balanceMicroUsd) },
      topUps: policy.endUserTopUps && services.stripe.topUpsEnabled,
    };
  }

  return new Hono<AppEnv>()
    .get(
      "/",
      describeRoute({
        tags: ["billing"],
        summary: "My credits",
        description: "Whether billing is on, the end user's own balance (null when the site pays for every answer) and the top-up amounts they may buy.",
        security: END_USER_SECURITY,
        responses: { 200: jsonResponse("The user's credits", BillingJson), ...errorResponses(401, 403) },
      }),
      async (c) => {
        const { enabled, account, topUps } = await standing(c.var.user.tenantId, c.var.user.id);
        return c.json({ enabled, account, topUps: { enabled: topUps, amountsUsd: [...services.stripe.topUpAmountsUsd] } });
      },
    )
    .post(
      "/checkout",
      describeRoute({
        tags: ["billing"],
        summary: "Buy credits (Stripe Checkout)",
        description: "Answers the URL of a Stripe Checkout page for `amountUsd` (one of the server's top-up amounts). Checkout returns the user to `returnUrl`, which must be on one of the site's allowed origins. The credit arrives with Stripe's webhook.",
        security: END_USER_SECURITY,
        requestBody: jsonBody(CheckoutBody),
        responses: { 200: jsonResponse("The Checkout page", CheckoutJson), ...errorResponses(400, 401, 403, 404, 413) },
      }),
      async (c) => {
        const user = c.var.user;
        const { topUps } = await standing(user.tenantId, user.id);
        if (!topUps) throw new ApiError(404, "billing_disabled", "top-ups are not available for this site's users");
        const body = await readJson(c, CheckoutBody);
        const cents = services.stripe.topUpAmountsUsd.includes(body.amountUsd) ? topUpCents(body.amountUsd) : null;
        if (cents === null) throw new ApiError(400, "invalid_request", `amountUsd: must be one of ${services.stripe.topUpAmountsUsd.join(", ")}`);
        const returnUrl = await allowedReturnUrl(services, user.tenantId, body.returnUrl);
        const session = await services.stripe.checkout({ tenantId: user.tenantId, owner: user.id }, cents, { successUrl: returnUrl, cancelUrl: returnUrl });
        return c.json({ url: session.url });
      },
    );
}

/** `returnUrl` when it is an http(s) URL on one of the tenant's allowed origins (the built-in tenant: CORS_ORIGINS). */
async function allowedReturnUrl(services: Pick<Services, "tenants" | "settings">, tenantId: string, raw: string): Promise<string> {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new ApiError(400, "invalid_request", "returnUrl: must be an absolute http(s) URL");
  const tenant = await services.tenants.get(tenantId);
  const origins = tenant && tenant.allowedOrigins.length > 0 ? tenant.allowedOrigins : tenantId === DEFAULT_TENANT_ID ? services.settings.corsOrigins : [];
  if (origins !== "*" && !origins.includes(url.origin)) throw new ApiError(400, "invalid_request", "returnUrl: must be on one of the site's allowed origins");
  return url.href;
}
