/**
 * Answers an end user has running right now, wherever they run: chats of the user whose
 * generation lease is held (a dead holder's lease still counts until the answer is taken over
 * and ended). One indexed count in Postgres, so it holds across app servers; two sends at the
 * same instant may both pass it (it is a budget, not a lock).
 */
import type { PrismaClient } from "../generated/prisma/client.js";

export type CountRunningAnswers = (userId: string, exceptChatId: string) => Promise<number>;

export function runningAnswersCounter(prisma: PrismaClient): CountRunningAnswers {
  return (userId, exceptChatId) =>
    prisma.chat.count({ where: { userId, activeGenerationId: { not: null }, deletedAt: null, id: { not: exceptChatId } } });
}
