/**
 * Nothing stays reserved forever (invariant 7). A hold is normally ended by the answer's
 * terminal event or by whoever takes a dead answer over; two gaps remain, and this job closes
 * them: a send whose first append failed keeps its hold for a retry that may never come, and a
 * settlement that failed (Postgres away at that moment) leaves its hold behind an answer that has
 * ended. A hold older than `maxAgeMs` (well past any answer's total time), with no settlement or
 * release and whose answer is no chat's running generation, is settled with the turn's recorded
 * cost if it has one, else released — and the send that never started is forgotten, so its retry
 * starts a new turn with a new hold instead of running unheld.
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import { startPeriodic, type PeriodicJob } from "../jobs/periodic.js";
import type { Ledger } from "./ledger-types.js";

export interface StaleHoldsDeps {
  prisma: PrismaClient;
  ledger: Pick<Ledger, "settle" | "release">;
  clock: () => Date;
}

/** Ends up to `batch` stale holds; resolves with how many. */
export async function endStaleHolds(deps: StaleHoldsDeps, options: { maxAgeMs: number; batch?: number }): Promise<number> {
  const { prisma } = deps;
  const cutoff = new Date(deps.clock().getTime() - options.maxAgeMs);
  const stale = await prisma.$queryRaw<Array<{ generationId: string }>>`
    SELECT DISTINCT r."generationId" FROM ledger_entry r
    WHERE r.kind = 'reservation' AND r."generationId" IS NOT NULL AND r."createdAt" < ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e."generationId" = r."generationId" AND e.kind IN ('settlement', 'release'))
      AND NOT EXISTS (SELECT 1 FROM chat c WHERE c."activeGenerationId" = r."generationId")
    LIMIT ${options.batch ?? 200}`;
  for (const { generationId } of stale) {
    const usage = await prisma.turnUsage.findUnique({ where: { generationId }, select: { costMicroUsd: true } });
    if (usage) await deps.ledger.settle(generationId, usage.costMicroUsd);
    else await deps.ledger.release(generationId);
    await prisma.turn.deleteMany({ where: { assistantMessageId: generationId, offset: null } });
  }
  return stale.length;
}

export function startStaleHoldSweep(deps: StaleHoldsDeps, options: { maxAgeMs: number; intervalMs: number }): PeriodicJob<number> {
  return startPeriodic({
    run: () => endStaleHolds(deps, options),
    idle: 0,
    intervalMs: options.intervalMs,
    onError: (error) => console.error("[open-chat] stale credit holds sweep failed:", error),
  });
}
