/**
 * Deleting an end user with all their data: the stream first (it holds every message; if the
 * tier is down nothing is deleted and the call can be retried), then the Postgres rows (the
 * user row cascades to sessions, accounts, chats and turns; the stream row and merge records
 * are removed alongside). A generation still running for the user fails its next append and
 * its lease lapses; takeover finds no chat row and does nothing.
 */
import type { SessionCache } from "../auth/session-cache.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { userStreamName } from "../log/stream-names.js";
import type { StreamsClient } from "../streams/client/types.js";

export interface DeletedUser {
  userId: string;
  tenantId: string;
  chats: number;
  streamDeleted: boolean;
}

/** Null when the tenant has no such user. */
export async function deleteEndUser(
  deps: { prisma: PrismaClient; streams: Pick<StreamsClient, "deleteStream">; auth?: { sessions: Pick<SessionCache, "forgetUser"> } },
  tenantId: string,
  userId: string,
): Promise<DeletedUser | null> {
  const { prisma } = deps;
  const user = await prisma.user.findFirst({ where: { id: userId, tenantId }, select: { id: true } });
  if (!user) return null;
  const name = userStreamName({ id: userId, tenantId });
  const { deleted } = await deps.streams.deleteStream(name);
  const chats = await prisma.$transaction(async (tx) => {
    const count = await tx.chat.count({ where: { userId, tenantId } });
    await tx.userStream.deleteMany({ where: { name } });
    await tx.guestMerge.deleteMany({ where: { OR: [{ userId }, { guestUserId: userId }] } });
    // A concurrent delete of the same user may have won: then this one found nothing to delete.
    const { count: removed } = await tx.user.deleteMany({ where: { id: userId, tenantId } });
    return removed === 0 ? null : count;
  });
  // Its sessions went with the row: this process stops trusting their tokens at once.
  deps.auth?.sessions.forgetUser(userId);
  return chats === null ? null : { userId, tenantId, chats, streamDeleted: deleted };
}
