/**
 * Billing of answers (the turn path's one entry point): `reserveTurn` before an answer starts,
 * `settleTurn` at its terminal event, wherever that is written (the generator for completed /
 * error / stopped; lease takeover for turns it closes; a continued answer's own terminal).
 *
 * - Off (BILLING=off, the default): nothing is held or required; every finished answer still
 *   gets its TurnUsage row and `usage.costMicroUsd` from the price catalog (0 for an unpriced
 *   model).
 * - On: a model without a price is refused (`model_unpriced`); an answer holds its maximum cost
 *   — estimated prompt tokens × prompt price + `max_tokens` × completion price — on the tenant's
 *   account and, where the tenant's policy has end-user accounts, on the user's too (guests get
 *   the guest budget, verified users the sign-up grant, once, on first use); the daily limit
 *   per end user counts today's settled cost plus what the user's account holds. Settlement
 *   spends the real cost (the provider's usage, else the estimated tokens) and releases the rest.
 *
 * Settlement is idempotent (ledger), and TurnUsage is written once per answer (the first
 * writer's row stands): a holder that died between settling and appending its terminal event is
 * settled again, as a no-op, by whoever closes the turn.
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import { prismaSql, type Sql } from "../db/sql.js";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { TENANT_ACCOUNT, type AccountRef, type Ledger } from "./ledger-types.js";
import { parseStoredBillingPolicy, resolveBillingPolicy, type ResolvedBillingPolicy } from "./policy.js";
import { costMicroUsd, type ModelPrice, type PriceCatalog } from "./prices.js";

export interface BillingSettings {
  /** BILLING=on: answers are paid from credit accounts. Default off. */
  enabled: boolean;
  /** PRICE_CATALOG: a catalog file in OpenRouter's model-list shape; unset = the checked-in default. */
  priceCatalogPath?: string;
}

export type TurnOutcome = "completed" | "error" | "stopped" | "lost";

export interface TurnTokens {
  inputTokens: number;
  outputTokens: number;
}

export interface SettleInput {
  tenantId: string;
  userId: string;
  chatId: string;
  generationId: string;
  model: string;
  outcome: TurnOutcome;
  usage: TurnTokens;
}

export interface TurnBilling {
  readonly enabled: boolean;
  readonly ledger: Ledger;
  readonly prices: PriceCatalog;
  /** The tenant's billing policy, defaults filled in. */
  policy(tenantId: string): Promise<ResolvedBillingPolicy>;
  /** Billing on and the model has no price: `model_unpriced` (chat create and send). */
  assertPriced(model: string): void;
  /** The maximum cost of an answer: prompt tokens × prompt price + `maxTokens` × completion price. */
  estimate(model: string, promptTokens: number, maxTokens: number): bigint;
  /** The accounts an answer of this user is held on (tenant's; the user's where the policy says). */
  accountsFor(user: EndUser): Promise<AccountRef[]>;
  /**
   * Holds the answer's maximum cost (no-op while billing is off). Throws
   * `insufficient_credits` (402) when an account or the daily limit cannot cover it.
   */
  reserveTurn(input: { user: EndUser; generationId: string; model: string; promptTokens: number; maxTokens: number }): Promise<void>;
  /** Lets go of a hold whose answer never started. Idempotent. */
  releaseTurn(generationId: string): Promise<void>;
  /** Settles the answer (idempotent) and records its TurnUsage; returns the cost the turn carries. */
  settleTurn(input: SettleInput): Promise<bigint>;
}

export interface BillingDeps {
  prisma: PrismaClient;
  /** Runs the usage row's statement, once per answer (db/sql.ts). Default: through `prisma`. */
  sql?: Sql;
  ledger: Ledger;
  prices: PriceCatalog;
  settings: BillingSettings;
  clock: () => Date;
}

export function createBilling(deps: BillingDeps): TurnBilling {
  const { prisma, ledger, prices, clock } = deps;
  const sql = deps.sql ?? prismaSql(prisma);
  const enabled = deps.settings.enabled;

  const priceOf = (model: string): ModelPrice => {
    const price = prices.price(model);
    if (!price) throw new DomainError("model_unpriced", `The model ${model} has no price in the catalog; it cannot be used while billing is on.`);
    return price;
  };

  async function policy(tenantId: string): Promise<ResolvedBillingPolicy> {
    const row = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { billing: true } });
    return resolveBillingPolicy(parseStoredBillingPolicy(row?.billing));
  }

  /**
   * The guest budget or the sign-up grant, credited once per account (the credit is idempotent by
   * its reference). Whether the account already had one is asked of the ledger, not inferred from
   * the account existing: a guest who topped up before their first send still gets the budget.
   * Remembered per process so later sends cost no query.
   */
  const granted = new Set<string>();
  async function grantOnFirstUse(user: EndUser, ref: AccountRef, rules: ResolvedBillingPolicy): Promise<void> {
    const id = `${ref.tenantId}:${ref.owner}`;
    if (granted.has(id)) return;
    const row = await prisma.user.findUnique({ where: { id: user.id }, select: { isAnonymous: true, externalId: true } });
    if (row?.isAnonymous && rules.guestBudgetMicroUsd > 0n) await ledger.credit(ref, "grant", rules.guestBudgetMicroUsd, "guest-budget", "guest budget");
    else if (row?.externalId && rules.signupGrantMicroUsd > 0n) await ledger.credit(ref, "grant", rules.signupGrantMicroUsd, "signup-grant", "sign-up grant");
    // Only a grant made (now or before) is remembered: a budget the tenant sets later still comes.
    else return;
    if (granted.size >= 100_000) granted.clear();
    granted.add(id);
  }

  async function checkDailyLimit(user: EndUser, rules: ResolvedBillingPolicy, amount: bigint): Promise<void> {
    if (rules.dailyLimitMicroUsd === 0n) return;
    const now = clock();
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const spent = await prisma.turnUsage.aggregate({ where: { tenantId: user.tenantId, userId: user.id, createdAt: { gte: midnight } }, _sum: { costMicroUsd: true } });
    const held = rules.endUserAccounts ? (await ledger.balance({ tenantId: user.tenantId, owner: user.id })).reservedMicroUsd : 0n;
    if ((spent._sum.costMicroUsd ?? 0n) + held + amount > rules.dailyLimitMicroUsd) {
      const retryAfterMs = midnight.getTime() + 86_400_000 - now.getTime();
      throw new DomainError("insufficient_credits", "Daily spending limit reached for this user; it resets at midnight UTC.", { retryAfterMs });
    }
  }

  return {
    enabled,
    ledger,
    prices,
    policy,

    assertPriced(model) {
      if (enabled) priceOf(model);
    },

    estimate(model, promptTokens, maxTokens) {
      return costMicroUsd(priceOf(model), { inputTokens: promptTokens, outputTokens: maxTokens });
    },

    async accountsFor(user) {
      const rules = await policy(user.tenantId);
      const refs: AccountRef[] = [{ tenantId: user.tenantId, owner: TENANT_ACCOUNT }];
      if (rules.endUserAccounts) refs.push({ tenantId: user.tenantId, owner: user.id });
      return refs;
    },

    async reserveTurn({ user, generationId, model, promptTokens, maxTokens }) {
      if (!enabled) return;
      const amount = costMicroUsd(priceOf(model), { inputTokens: promptTokens, outputTokens: maxTokens });
      const rules = await policy(user.tenantId);
      const refs: AccountRef[] = [{ tenantId: user.tenantId, owner: TENANT_ACCOUNT }];
      if (rules.endUserAccounts) {
        const mine = { tenantId: user.tenantId, owner: user.id };
        await grantOnFirstUse(user, mine, rules);
        refs.push(mine);
      }
      await checkDailyLimit(user, rules, amount);
      await ledger.reserve(generationId, refs, amount);
    },

    async releaseTurn(generationId) {
      if (enabled) await ledger.release(generationId);
    },

    async settleTurn(input) {
      const price = prices.price(input.model);
      const computed = price ? costMicroUsd(price, input.usage) : 0n;
      let charged = computed;
      // Settle even when billing was turned off meanwhile: a hold made while it was on must end.
      const settled = await ledger.settle(input.generationId, computed);
      if (!settled.applied && settled.costMicroUsd > 0n) charged = settled.costMicroUsd; // settled before: that cost stands
      return insertUsageOnce(sql, { ...input, costMicroUsd: charged, createdAt: clock() });
    },
  };
}

/**
 * Writes the answer's TurnUsage row unless one exists (the first writer's row stands) and returns
 * the cost it carries: one statement, where Prisma's `upsert` with an empty update made a
 * transaction of five round trips (it runs once per answer, on the hot path).
 */
async function insertUsageOnce(sql: Sql, row: SettleInput & { costMicroUsd: bigint; createdAt: Date }): Promise<bigint> {
  const { generationId } = row;
  // costMicroUsd is int8: a bigint through Prisma, a string through the pool (BigInt reads both).
  const [inserted] = await sql.rows<{ costMicroUsd: bigint | string }>(
    `WITH ins AS (
      INSERT INTO "turn_usage" ("generationId", "tenantId", "userId", "chatId", "model", "inputTokens", "outputTokens", "costMicroUsd", "outcome", "createdAt")
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT ("generationId") DO NOTHING
      RETURNING "costMicroUsd")
    SELECT "costMicroUsd" FROM ins
    UNION ALL SELECT "costMicroUsd" FROM "turn_usage" WHERE "generationId" = $1
    LIMIT 1`,
    [generationId, row.tenantId, row.userId, row.chatId, row.model, clampInt(row.usage.inputTokens), clampInt(row.usage.outputTokens), row.costMicroUsd, row.outcome, row.createdAt],
  );
  if (inserted) return BigInt(inserted.costMicroUsd);
  // A concurrent writer's row committed after this statement's snapshot: read it anew.
  const [existing] = await sql.rows<{ costMicroUsd: bigint | string }>(`SELECT "costMicroUsd" FROM "turn_usage" WHERE "generationId" = $1`, [generationId]);
  if (!existing) throw new Error(`turn usage of ${generationId} was neither written nor found`);
  return BigInt(existing.costMicroUsd);
}

function clampInt(n: number): number {
  return Math.min(Math.max(0, Math.round(n)), 2_147_483_647);
}
