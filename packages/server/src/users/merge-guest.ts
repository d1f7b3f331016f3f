/**
 * A guest who identifies as a verified user keeps the guest's chats. Messages live in the
 * owner's stream, so each live chat's records are copied, in log order, into the verified
 * user's stream (under the same chat key), then the rows move and the guest is deleted.
 *
 * Exactly once, even when the identify call is retried or raced:
 * - the copy appends with an idempotent producer per (guest, chat) and a seq per batch, so a
 *   repeated copy is acknowledged as a duplicate by the streams tier, never written twice;
 * - the `guest_merge` row (keyed by the guest) is inserted first in the transaction that moves
 *   the rows: a concurrent second merge waits on it and then finds the merge done.
 * A guest chat with a running answer is not copied half-way: the merge is refused with 409 and
 * a Retry-After at the answer's lease expiry.
 */
import type { SessionCache } from "../auth/session-cache.js";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { readChat } from "../log/read-chat.js";
import { chatKey, userStreamName } from "../log/stream-names.js";
import type { EnsureUserStream } from "../log/user-streams.js";
import type { StreamsClient } from "../streams/client/types.js";

/** Records per copy append: well under the tier's request limit for typical events. */
const COPY_BATCH = 200;

export interface MergeDeps {
  prisma: PrismaClient;
  streams: Pick<StreamsClient, "read" | "append" | "deleteStream">;
  ensureUserStream: EnsureUserStream;
  clock: () => Date;
  /** This process's memory of verified tokens (auth/session-cache.ts): the guest's end with the merge. */
  auth?: { sessions: Pick<SessionCache, "forgetUser"> };
}

/** The number of chats the verified user received (also when this merge had already happened). */
export async function mergeGuestInto(deps: MergeDeps, guest: EndUser, user: EndUser): Promise<number> {
  const { prisma } = deps;
  if (guest.id === user.id || guest.tenantId !== user.tenantId) return 0;
  const done = await prisma.guestMerge.findUnique({ where: { guestUserId: guest.id } });
  if (done) return done.chats;

  const chats = await prisma.chat.findMany({ where: { userId: guest.id, tenantId: guest.tenantId, deletedAt: null }, orderBy: { createdAt: "asc" } });
  const busy = chats.find((chat) => chat.activeGenerationId !== null);
  if (busy) {
    const wait = busy.leaseExpiresAt ? Math.max(0, busy.leaseExpiresAt.getTime() - deps.clock().getTime()) : 0;
    throw new DomainError("lease_conflict", "an answer is still being generated in one of the guest's chats; identify again when it has ended", { retryAfterMs: wait });
  }

  const from = userStreamName(guest);
  const target = await deps.ensureUserStream(user);
  const offsets = new Map<string, string>();
  for (const chat of chats) {
    const key = chatKey(chat.id);
    const { records } = await readChat(deps.streams, from, key);
    const producer = `merge:${guest.id}:${chat.id}`;
    for (let seq = 0; seq * COPY_BATCH < records.length; seq++) {
      const batch = records.slice(seq * COPY_BATCH, (seq + 1) * COPY_BATCH);
      await deps.streams.append(target.name, batch, { key, producer: { id: producer, epoch: 0, seq } });
    }
    offsets.set(chat.id, (await readChat(deps.streams, target.name, key)).nextOffset);
  }

  try {
    await prisma.$transaction(async (tx) => {
      await tx.guestMerge.create({ data: { guestUserId: guest.id, userId: user.id, tenantId: user.tenantId, chats: chats.length } });
      for (const chat of chats) {
        await tx.chat.update({ where: { id: chat.id }, data: { userId: user.id } });
        // A retried send of the guest's turn answers with an offset of the stream it now lives in.
        await tx.turn.updateMany({ where: { chatId: chat.id, offset: { not: null } }, data: { offset: offsets.get(chat.id) ?? null } });
      }
      await tx.userStream.deleteMany({ where: { name: from } });
      await tx.user.delete({ where: { id: guest.id } });
    });
    deps.auth?.sessions.forgetUser(guest.id);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await prisma.guestMerge.findUnique({ where: { guestUserId: guest.id } });
      if (winner) return winner.chats;
    }
    throw error;
  }
  // The guest's copy is no longer anyone's; a failure here leaves only unreachable records.
  await deps.streams.deleteStream(from).catch((error) => console.warn(`[open-chat] guest stream ${from} not deleted: ${error instanceof Error ? error.message : error}`));
  return chats.length;
}
