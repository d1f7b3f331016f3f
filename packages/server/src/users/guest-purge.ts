/**
 * Guests are anonymous and cannot come back once their token is gone, so a guest unused for
 * `retentionDays` is deleted with all their data (rows and stream, delete-user.ts). "Unused"
 * means: created before the cutoff, and neither a session nor a chat touched since (Better
 * Auth refreshes a session's `updatedAt` when it extends it, at most daily; a turn touches its
 * chat). Every process runs the purge; deleting a user twice is harmless.
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import { startPeriodic, type PeriodicJob } from "../jobs/periodic.js";
import type { StreamsClient } from "../streams/client/types.js";
import { deleteEndUser } from "./delete-user.js";

export interface GuestPurgeDeps {
  prisma: PrismaClient;
  streams: Pick<StreamsClient, "deleteStream">;
  clock: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes up to `batch` guests unused for `retentionDays`; resolves with how many. */
export async function purgeInactiveGuests(deps: GuestPurgeDeps, options: { retentionDays: number; batch?: number }): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - options.retentionDays * DAY_MS);
  const stale = await deps.prisma.user.findMany({
    where: {
      isAnonymous: true,
      createdAt: { lt: cutoff },
      sessions: { none: { updatedAt: { gte: cutoff } } },
      chats: { none: { updatedAt: { gte: cutoff } } },
    },
    select: { id: true, tenantId: true },
    orderBy: { createdAt: "asc" },
    take: options.batch ?? 500,
  });
  let deleted = 0;
  for (const guest of stale) if (await deleteEndUser(deps, guest.tenantId, guest.id)) deleted++;
  return deleted;
}

/** The purge as a background job: now and then every `intervalMs`; null when retention is 0 (off). */
export function startGuestPurge(deps: GuestPurgeDeps, options: { retentionDays: number; intervalMs: number }): PeriodicJob<number> | null {
  if (options.retentionDays <= 0) return null;
  return startPeriodic({
    run: () => purgeInactiveGuests(deps, options),
    idle: 0,
    intervalMs: options.intervalMs,
    onError: (error) => console.error("[open-chat] guest purge failed:", error),
  });
}
