/**
 * Per-turn usage as the admin API and `open-chat usage` report it: the tenant's TurnUsage rows
 * (one per finished answer, written by the turn path) in a window [since, until), optionally
 * narrowed to one end user, chat or model, grouped by model, UTC day, end user or chat.
 *
 * One SQL statement: the grouping column is chosen from a fixed list (never from input text),
 * every value is a bound parameter. Sums are exact (Postgres numeric → bigint → number; a
 * tenant's µUSD total stays far below 2^53).
 *
 * @example
 * const report = await turnUsageReport(prisma, "shop", { since, until, groupBy: "model" });
 * // { rows: [{ key: "openai/gpt-4o-mini", turns: 3, inputTokens: 120, outputTokens: 80, costMicroUsd: 66 }], totals: {…} }
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";

export const USAGE_GROUPS = ["model", "day", "user", "chat"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface TurnUsageFilter {
  since: Date;
  until: Date;
  groupBy: UsageGroup;
  userId?: string;
  chatId?: string;
  model?: string;
}

export interface UsageFigures {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
}

export interface UsageRow extends UsageFigures {
  /** The model, the UTC day (YYYY-MM-DD), the end user's id or the chat's id. */
  key: string;
}

export interface TurnUsageReport {
  rows: UsageRow[];
  totals: UsageFigures;
}

const GROUP_KEY: Record<UsageGroup, Prisma.Sql> = {
  model: Prisma.sql`"model"`,
  day: Prisma.sql`to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  user: Prisma.sql`"userId"`,
  chat: Prisma.sql`"chatId"`,
};

interface SqlRow {
  key: string;
  turns: bigint | number;
  inputTokens: bigint | number | string;
  outputTokens: bigint | number | string;
  costMicroUsd: bigint | number | string;
}

export async function turnUsageReport(prisma: PrismaClient, tenantId: string, filter: TurnUsageFilter): Promise<TurnUsageReport> {
  const conditions = [
    Prisma.sql`"tenantId" = ${tenantId}`,
    Prisma.sql`"createdAt" >= ${filter.since}`,
    Prisma.sql`"createdAt" < ${filter.until}`,
  ];
  if (filter.userId !== undefined) conditions.push(Prisma.sql`"userId" = ${filter.userId}`);
  if (filter.chatId !== undefined) conditions.push(Prisma.sql`"chatId" = ${filter.chatId}`);
  if (filter.model !== undefined) conditions.push(Prisma.sql`"model" = ${filter.model}`);
  const key = GROUP_KEY[filter.groupBy];
  const found = await prisma.$queryRaw<SqlRow[]>`
    SELECT ${key} AS "key",
           count(*)::bigint AS "turns",
           coalesce(sum("inputTokens"), 0)::bigint AS "inputTokens",
           coalesce(sum("outputTokens"), 0)::bigint AS "outputTokens",
           coalesce(sum("costMicroUsd"), 0)::bigint AS "costMicroUsd"
      FROM "turn_usage"
     WHERE ${Prisma.join(conditions, " AND ")}
     GROUP BY 1
     ORDER BY 1`;
  const rows = found.map((row) => ({
    key: row.key,
    turns: Number(row.turns),
    inputTokens: Number(row.inputTokens),
    outputTokens: Number(row.outputTokens),
    costMicroUsd: Number(row.costMicroUsd),
  }));
  const totals = rows.reduce<UsageFigures>(
    (sum, row) => ({
      turns: sum.turns + row.turns,
      inputTokens: sum.inputTokens + row.inputTokens,
      outputTokens: sum.outputTokens + row.outputTokens,
      costMicroUsd: sum.costMicroUsd + row.costMicroUsd,
    }),
    { turns: 0, inputTokens: 0, outputTokens: 0, costMicroUsd: 0 },
  );
  return { rows, totals };
}
