/**
 * `/v1/admin/tenants/:tenantId/billing…`: a tenant's credits. The tenant's policy and account,
 * operator grants (operator key only; idempotent by `reference`), Checkout top-ups of the
 * tenant's account, the billing stream (every Stripe delivery and grant, billing-stream.ts) and
 * the ledger entries of the tenant's or an end user's account. Amounts are µUSD (safe integers).
 */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import { DomainError } from "../../domain-error.js";
import { ApiError } from "../../http/api-error.js";
import { readJson } from "../../http/body.js";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import { requireOperator, type AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { entryJson } from "../../billing/entry-json.js";
import { TENANT_ACCOUNT } from "../../billing/ledger-types.js";
import { MAX_TOPUP_USD, MIN_TOPUP_USD, topUpCents } from "../../billing/stripe/settings.js";
import { describeAdminRoute } from "./describe.js";
import { ObjectId } from "./schemas.js";

/** One grant at most $1,000,000. */
export const MAX_GRANT_MICRO_USD = 1_000_000_000_000;
const MicroUsd = v.pipe(v.number(), v.integer());
const Owner = v.union([v.literal(TENANT_ACCOUNT), ObjectId]);
const Reference = v.pipe(v.string(), v.regex(/^[\w.:-]{1,200}$/, "1 to 200 letters, digits or _ . : -"));
const HttpUrl = v.pipe(v.string(), v.maxLength(2048), v.url(), v.regex(/^https?:\/\//i, "must be an http(s) URL"));

const Grant = v.strictObject({
  /** `"tenant"` (default) or an end user's id. */
  owner: v.optional(Owner),
  amountMicroUsd: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_GRANT_MICRO_USD)),
  /** Your id for this grant: the same reference again grants nothing more. */
  reference: Reference,
});
/** A top-up of the tenant's account; `open-chat credits checkout` checks its options with it too. */
export const Checkout = v.strictObject({
  /** 0.50 … 10,000 with at most two decimals (checked by the handler: the bounds are not integers). */
  amountUsd: v.pipe(v.number(), v.finite()),
  successUrl: HttpUrl,
  cancelUrl: HttpUrl,
});
const EventsQuery = v.object({ limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/), v.transform(Number), v.minValue(1), v.maxValue(1000))) });
const EntriesQuery = v.object({
  owner: v.optional(Owner),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.minValue(1), v.maxValue(200))),
  cursor: v.optional(ObjectId),
});

const AccountJson = v.object({ balanceMicroUsd: MicroUsd, reservedMicroUsd: MicroUsd, availableMicroUsd: MicroUsd });
const TenantBillingJson = v.object({
  tenantId: v.string(),
  /** BILLING=on on this server. */
  enabled: v.boolean(),
  policy: v.object({
    endUserAccounts: v.boolean(),
    guestBudgetMicroUsd: MicroUsd,
    signupGrantMicroUsd: MicroUsd,
    dailyLimitMicroUsd: MicroUsd,
    endUserTopUps: v.boolean(),
  }),
  /** The tenant's own account. */
  account: AccountJson,
  /** STRIPE_SECRET_KEY is set: Checkout top-ups work. */
  topUps: v.object({ enabled: v.boolean() }),
});
const EntryJson = v.pipe(
  v.object({
    id: v.string(),
    owner: v.string(),
    kind: v.picklist(["grant", "topup", "reservation", "settlement", "release", "refund", "adjustment"]),
    amountMicroUsd: MicroUsd,
    reservedDeltaMicroUsd: MicroUsd,
    balanceAfterMicroUsd: MicroUsd,
    generationId: v.nullable(v.string()),
    externalRef: v.nullable(v.string()),
    note: v.nullable(v.string()),
    createdAt: v.string(),
  }),
  v.metadata({ ref: "LedgerEntry" }),
);
const GrantJson = v.object({ applied: v.boolean(), entry: EntryJson });
const EntriesJson = v.object({ entries: v.array(EntryJson), nextCursor: v.nullable(v.string()) });
const EventsJson = v.object({ events: v.array(v.looseObject({ at: v.string(), source: v.string(), outcome: v.string() })) });
const CheckoutJson = v.object({ url: v.string(), sessionId: v.string() });

export function billingAdminRoutes(services: Pick<Services, "billing" | "ledger" | "stripe" | "prisma">) {
  return new Hono<AdminEnv>()
    .get(
      "/:tenantId/billing",
      describeAdminRoute({ summary: "A tenant's billing policy and balance", responses: { 200: jsonResponse("Policy and the tenant's account", TenantBillingJson) } }),
      async (c) => {
        const tenantId = c.var.scopedTenant.id;
        const [policy, balance] = await Promise.all([services.billing.policy(tenantId), services.ledger.balance({ tenantId, owner: TENANT_ACCOUNT })]);
        return c.json({
          tenantId,
          enabled: services.billing.enabled,
          policy: {
            endUserAccounts: policy.endUserAccounts,
            guestBudgetMicroUsd: Number(policy.guestBudgetMicroUsd),
            signupGrantMicroUsd: Number(policy.signupGrantMicroUsd),
            dailyLimitMicroUsd: Number(policy.dailyLimitMicroUsd),
            endUserTopUps: policy.endUserTopUps,
          },
          account: { balanceMicroUsd: Number(balance.balanceMicroUsd), reservedMicroUsd: Number(balance.reservedMicroUsd), availableMicroUsd: Number(balance.availableMicroUsd) },
          topUps: { enabled: services.stripe.topUpsEnabled },
        });
      },
    )
    .post(
      "/:tenantId/billing/grants",
      describeAdminRoute({
        summary: "Grant credits (operator key only)",
        description: "Credits the tenant's account or an end user's. Idempotent by `reference`: repeating it grants nothing more and answers the first grant with `applied: false` (200).",
        requestBody: jsonBody(Grant),
        responses: { 201: jsonResponse("Granted", GrantJson), 200: jsonResponse("Granted before (same reference)", GrantJson), ...errorResponses(403, 413) },
      }),
      requireOperator(),
      async (c) => {
        const tenantId = c.var.scopedTenant.id;
        const body = await readJson(c, Grant);
        const owner = body.owner ?? TENANT_ACCOUNT;
        if (owner !== TENANT_ACCOUNT && !(await services.prisma.user.findFirst({ where: { id: owner, tenantId }, select: { id: true } }))) {
          throw new ApiError(404, "user_not_found", `tenant ${tenantId} has no user ${owner}`);
        }
        const { entry, applied } = await services.stripe.grant({ tenantId, owner }, BigInt(body.amountMicroUsd), body.reference);
        return c.json({ applied, entry: entryJson(entry) }, applied ? 201 : 200);
      },
    )
    .post(
      "/:tenantId/billing/checkout",
      describeAdminRoute({
        summary: "Top up the tenant's account (Stripe Checkout)",
        description: "Answers a Stripe Checkout page for `amountUsd` (0.50 … 10,000, cents at most). The credit arrives with Stripe's webhook. `404 billing_disabled` without STRIPE_SECRET_KEY.",
        requestBody: jsonBody(Checkout),
        responses: { 200: jsonResponse("The Checkout page", CheckoutJson), ...errorResponses(413) },
      }),
      async (c) => {
        if (!services.stripe.topUpsEnabled) throw new ApiError(404, "billing_disabled", "top-ups are not configured on this server (STRIPE_SECRET_KEY)");
        const body = await readJson(c, Checkout);
        const cents = topUpCents(body.amountUsd);
        if (cents === null) throw new ApiError(400, "invalid_request", `amountUsd: ${MIN_TOPUP_USD} … ${MAX_TOPUP_USD} USD with at most two decimals`);
        const session = await services.stripe.checkout({ tenantId: c.var.scopedTenant.id, owner: TENANT_ACCOUNT }, cents, { successUrl: body.successUrl, cancelUrl: body.cancelUrl });
        return c.json(session);
      },
    )
    .get(
      "/:tenantId/billing/events",
      describeAdminRoute({
        summary: "The tenant's billing stream",
        description: "Every Stripe delivery for this tenant (processed, duplicate, ignored, failed, with the reason) and every grant, oldest first: the last `limit` (default 100, at most 1000). Deliveries with a bad signature or no known tenant are in the operator's stream `oc._operator.billing`.",
        responses: { 200: jsonResponse("The records", EventsJson) },
      }),
      validator("query", EventsQuery, rejectInvalid),
      async (c) => c.json({ events: await services.stripe.stream.read(c.var.scopedTenant.id, c.req.valid("query").limit ?? 100) }),
    )
    .get(
      "/:tenantId/billing/entries",
      describeAdminRoute({
        summary: "Ledger entries of an account",
        description: "Newest first; `owner` = `tenant` (default) or an end user's id; `limit` default 50, at most 200; `cursor` = `nextCursor` of the previous page.",
        responses: { 200: jsonResponse("A page of entries", EntriesJson) },
      }),
      validator("query", EntriesQuery, rejectInvalid),
      async (c) => {
        const query = c.req.valid("query");
        const ref = { tenantId: c.var.scopedTenant.id, owner: query.owner ?? TENANT_ACCOUNT };
        try {
          const page = await services.ledger.entries(ref, { ...(query.limit ? { limit: query.limit } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
          return c.json({ entries: page.entries.map(entryJson), nextCursor: page.nextCursor });
        } catch (error) {
          if (error instanceof DomainError && error.code === "invalid_cursor") throw new ApiError(400, "invalid_request", "cursor: not one this server handed out");
          throw error;
        }
      },
    );
}

/**
 * `GET /v1/admin/billing/events` (operator key only): the operator's billing stream — webhook
 * deliveries no tenant can be trusted with (bad or missing signatures, unknown tenants, events
 * that are not our top-ups).
 */
export function operatorBillingRoutes(services: Pick<Services, "stripe">) {
  return new Hono<AdminEnv>().get(
    "/billing/events",
    describeAdminRoute(
      {
        summary: "The operator's billing stream (operator key only)",
        description: "Stripe deliveries that belong to no tenant: rejected signatures (with the reason), unknown tenants, events that are not Open Chat top-ups. The last `limit` (default 100, at most 1000), oldest first.",
        responses: { 200: jsonResponse("The records", EventsJson), ...errorResponses(400, 403) },
      },
      { tenantScoped: false },
    ),
    requireOperator(),
    validator("query", EventsQuery, rejectInvalid),
    async (c) => c.json({ events: await services.stripe.stream.read(null, c.req.valid("query").limit ?? 100) }),
  );
}
