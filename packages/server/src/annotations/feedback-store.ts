/**
 * Feedback rows in Postgres: the latest 👍/👎 (and comment) of each answer, as the admin API
 * lists it. The log's `message.feedback` events are the source and are appended first
 * (annotations/record-feedback.ts); a row follows its event. Each row remembers the stream and
 * tier offset of the event it shows, and a write only lands when its event is later in that
 * stream, so two feedbacks racing end with the row the fold would show (the latest wins, in log
 * order). Offsets of another stream (the chat moved to a verified user's stream, or its stream
 * was created again) do not compare: such a write lands.
 *
 * @example
 * const store = createFeedbackStore(prisma, clock);
 * await store.record({ tenantId, chatId, messageId, rating: "up", comment: null, logOffset, logStream });
 * const page = await store.list("shop", { rating: "down", limit: 50 });
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import { decodeKeysetCursor, encodeKeysetCursor } from "../db/keyset-cursor.js";

export type Rating = "up" | "down";

export interface FeedbackInput {
  tenantId: string;
  chatId: string;
  messageId: string;
  /** null clears the answer's feedback (the row stays, out of the lists). */
  rating: Rating | null;
  comment: string | null;
  /** The streams-tier offset after the appended event (offsets of one stream sort as strings). */
  logOffset: string;
  /** The stream and incarnation the offset is of (`<stream>#<incarnation>`). */
  logStream: string;
}

export interface FeedbackRecord {
  userId: string;
  chatId: string;
  messageId: string;
  rating: Rating;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FeedbackPage {
  feedback: FeedbackRecord[];
  nextCursor: string | null;
}

export function createFeedbackStore(prisma: PrismaClient, clock: () => Date = () => new Date()) {
  return {
    /** Upserts the answer's row unless it already shows a later event of the same stream. */
    async record(input: FeedbackInput): Promise<void> {
      const now = clock();
      // COLLATE "C": offsets compare by code unit (a locale collation may skip punctuation).
      await prisma.$executeRaw`
        INSERT INTO "message_feedback" ("messageId", "tenantId", "chatId", "rating", "comment", "logOffset", "logStream", "createdAt", "updatedAt")
        VALUES (${input.messageId}, ${input.tenantId}, ${input.chatId}, ${input.rating}, ${input.comment}, ${input.logOffset}, ${input.logStream}, ${now}, ${now})
        ON CONFLICT ("messageId") DO UPDATE
          SET "rating" = EXCLUDED."rating", "comment" = EXCLUDED."comment", "logOffset" = EXCLUDED."logOffset", "logStream" = EXCLUDED."logStream", "updatedAt" = EXCLUDED."updatedAt"
          WHERE "message_feedback"."logStream" <> EXCLUDED."logStream"
             OR "message_feedback"."logOffset" COLLATE "C" < EXCLUDED."logOffset" COLLATE "C"`;
    },

    /** The tenant's current feedback (cleared ones left out), newest first, keyset-paginated. */
    async list(tenantId: string, { rating, limit, cursor }: { rating?: Rating | undefined; limit: number; cursor?: string | undefined }): Promise<FeedbackPage> {
      const after = cursor ? decodeKeysetCursor(cursor) : null;
      const rows = await prisma.feedback.findMany({
        where: {
          tenantId,
          rating: rating ?? { not: null },
          ...(after && { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, messageId: { lt: after.id } }] }),
        },
        orderBy: [{ createdAt: "desc" }, { messageId: "desc" }],
        take: limit + 1,
        select: { messageId: true, chatId: true, rating: true, comment: true, createdAt: true, updatedAt: true, chat: { select: { userId: true } } },
      });
      const feedback = rows.slice(0, limit).map(({ chat, rating: stored, ...row }) => ({ ...row, userId: chat.userId, rating: stored as Rating }));
      const last = feedback.at(-1);
      return { feedback, nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.createdAt, last.messageId) : null };
    },
  };
}

export type FeedbackStore = ReturnType<typeof createFeedbackStore>;

/** A row as the admin API and `open-chat feedback list --json` print it (ISO dates). */
export function feedbackJson(record: FeedbackRecord) {
  return { ...record, createdAt: record.createdAt.toISOString(), updatedAt: record.updatedAt.toISOString() };
}
