/**
 * A tenant's billing policy (Tenant.billing JSON; admin PATCH /v1/admin/tenants/:id {billing}).
 * Validated on the way in and on the way out; anything unset takes the default below. Amounts
 * are µUSD as safe integers in JSON, bigint inside the server.
 *
 * - endUserAccounts: each end user also has an account, and an answer is held on BOTH the
 *   tenant's account and the user's (default false: only the tenant's account pays);
 * - guestBudgetMicroUsd: credited once to a guest's account on first use (reference "guest-budget");
 * - signupGrantMicroUsd: credited once to a verified user's account on first use ("signup-grant");
 * - dailyLimitMicroUsd: what one end user may spend per UTC day (settled + held), 0 = no limit;
 * - endUserTopUps: end users may buy credits for their own account (Stripe Checkout).
 */
import * as v from "valibot";

const MicroUsd = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

export const BillingPolicySchema = v.strictObject({
  endUserAccounts: v.optional(v.boolean()),
  guestBudgetMicroUsd: v.optional(MicroUsd),
  signupGrantMicroUsd: v.optional(MicroUsd),
  dailyLimitMicroUsd: v.optional(MicroUsd),
  endUserTopUps: v.optional(v.boolean()),
});

export type BillingPolicy = v.InferOutput<typeof BillingPolicySchema>;

export interface ResolvedBillingPolicy {
  endUserAccounts: boolean;
  guestBudgetMicroUsd: bigint;
  signupGrantMicroUsd: bigint;
  dailyLimitMicroUsd: bigint;
  endUserTopUps: boolean;
}

export const DEFAULT_BILLING_POLICY: ResolvedBillingPolicy = {
  endUserAccounts: false,
  guestBudgetMicroUsd: 0n,
  signupGrantMicroUsd: 0n,
  dailyLimitMicroUsd: 0n,
  endUserTopUps: false,
};

/** The stored JSON as the policy; a row that does not parse (edited by hand) counts as `{}`. */
export function parseStoredBillingPolicy(raw: unknown): BillingPolicy {
  const parsed = v.safeParse(BillingPolicySchema, raw ?? {});
  return parsed.success ? parsed.output : {};
}

export function resolveBillingPolicy(policy: BillingPolicy): ResolvedBillingPolicy {
  return {
    endUserAccounts: policy.endUserAccounts ?? DEFAULT_BILLING_POLICY.endUserAccounts,
    guestBudgetMicroUsd: BigInt(policy.guestBudgetMicroUsd ?? 0),
    signupGrantMicroUsd: BigInt(policy.signupGrantMicroUsd ?? 0),
    dailyLimitMicroUsd: BigInt(policy.dailyLimitMicroUsd ?? 0),
    endUserTopUps: policy.endUserTopUps ?? DEFAULT_BILLING_POLICY.endUserTopUps,
  };
}
