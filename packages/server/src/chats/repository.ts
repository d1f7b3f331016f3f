/**
 * Chats and turns in Postgres. Every query is scoped to the resolved end user (tenant + user)
 * so a chat id from another user simply does not exist here (invariant 6). Messages are not
 * stored here: they live only in the log.
 */
import { randomUUID } from "node:crypto";
import type { EndUser } from "../env.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { decodeKeysetCursor, encodeKeysetCursor } from "../db/keyset-cursor.js";
import { prismaSql, type Sql } from "../db/sql.js";
import { DomainError } from "../domain-error.js";
import { isWellFormedId } from "../ids.js";

export interface ChatRecord {
  id: string;
  title: string | null;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TurnRecord {
  chatId: string;
  clientMessageId: string;
  userMessageId: string;
  assistantMessageId: string;
  offset: string | null;
}

export interface ChatPage {
  chats: ChatRecord[];
  nextCursor: string | null;
}

const chatFields = { id: true, title: true, model: true, createdAt: true, updatedAt: true } as const;

/** `sql` runs the statements of every send (db/sql.ts); default: through `prisma`. */
export function createChatRepository(prisma: PrismaClient, clock: () => Date = () => new Date(), sql: Sql = prismaSql(prisma)) {
  const owned = (user: EndUser, id: string) => ({ id, userId: user.id, tenantId: user.tenantId, deletedAt: null });

  return {
    /**
     * Creates a chat. With an idempotency key, a retried create (same user, same key) returns
     * the chat the first attempt made, also when both attempts race.
     */
    async create(user: EndUser, input: { id: string; title: string | null; model: string | null; idempotencyKey?: string }): Promise<ChatRecord> {
      const { idempotencyKey } = input;
      const earlier = () =>
        prisma.chat.findUnique({ where: { userId_idempotencyKey: { userId: user.id, idempotencyKey: idempotencyKey! } }, select: chatFields });
      if (idempotencyKey) {
        const found = await earlier();
        if (found) return found;
      }
      try {
        return await prisma.chat.create({ data: { ...input, userId: user.id, tenantId: user.tenantId }, select: chatFields });
      } catch (error) {
        const found = idempotencyKey && (error as { code?: unknown }).code === "P2002" ? await earlier() : null;
        if (found) return found;
        throw error;
      }
    },

    /** Newest first (by last activity), keyset-paginated with an opaque cursor. */
    async list(user: EndUser, { limit, cursor }: { limit: number; cursor?: string }): Promise<ChatPage> {
      const after = cursor ? decodeKeysetCursor(cursor) : null;
      const rows = await prisma.chat.findMany({
        where: {
          userId: user.id,
          tenantId: user.tenantId,
          deletedAt: null,
          ...(after && {
            OR: [{ updatedAt: { lt: after.at } }, { updatedAt: after.at, id: { lt: after.id } }],
          }),
        },
        orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        select: chatFields,
      });
      const chats = rows.slice(0, limit);
      const last = chats.at(-1);
      return { chats, nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.updatedAt, last.id) : null };
    },

    /** The user's live chat, or `chat_not_found` — the same answer for "missing", "deleted" and "not yours". */
    async get(user: EndUser, id: string): Promise<ChatRecord> {
      if (!isWellFormedId(id)) throw chatNotFound(id);
      const chat = await prisma.chat.findFirst({ where: owned(user, id), select: chatFields });
      if (!chat) throw chatNotFound(id);
      return chat;
    },

    async rename(user: EndUser, id: string, title: string): Promise<ChatRecord> {
      if (!isWellFormedId(id)) throw chatNotFound(id);
      const { count } = await prisma.chat.updateMany({ where: owned(user, id), data: { title, updatedAt: clock() } });
      if (count === 0) throw chatNotFound(id);
      return this.get(user, id);
    },

    /** Tombstones the row; the caller appends `chat.deleted` to the log. */
    async markDeleted(user: EndUser, id: string): Promise<void> {
      if (!isWellFormedId(id)) throw chatNotFound(id);
      const { count } = await prisma.chat.updateMany({ where: owned(user, id), data: { deletedAt: clock() } });
      if (count === 0) throw chatNotFound(id);
    },

    /**
     * What a turn needs before it starts, in ONE statement: the user's live chat (its model), the
     * turn already recorded under `clientMessageId`, if any, and how many answers the user has
     * running in their other chats (limits' runningAnswersPerUser, the same count as
     * limits/running-answers.ts). `chat_not_found` as `get`.
     */
    async findForTurn(user: EndUser, chatId: string, clientMessageId: string): Promise<{ model: string | null; turn: TurnRecord | null; runningElsewhere: number }> {
      if (!isWellFormedId(chatId)) throw chatNotFound(chatId);
      const rows = await sql.rows<{ model: string | null; userMessageId: string | null; assistantMessageId: string | null; offset: string | null; running: number }>(
        `SELECT c."model", t."userMessageId", t."assistantMessageId", t."offset",
          (SELECT count(*)::int FROM "chat" r WHERE r."userId" = $1 AND r."activeGenerationId" IS NOT NULL AND r."deletedAt" IS NULL AND r."id" <> $2) AS "running"
        FROM "chat" c LEFT JOIN "turn" t ON t."chatId" = c."id" AND t."clientMessageId" = $3
        WHERE c."id" = $2 AND c."userId" = $1 AND c."tenantId" = $4 AND c."deletedAt" IS NULL`,
        [user.id, chatId, clientMessageId, user.tenantId],
      );
      const row = rows[0];
      if (!row) throw chatNotFound(chatId);
      const turn =
        row.userMessageId === null || row.assistantMessageId === null
          ? null
          : { chatId, clientMessageId, userMessageId: row.userMessageId, assistantMessageId: row.assistantMessageId, offset: row.offset };
      return { model: row.model, turn, runningElsewhere: row.running };
    },

    async findTurn(chatId: string, clientMessageId: string): Promise<TurnRecord | null> {
      return prisma.turn.findUnique({ where: { chatId_clientMessageId: { chatId, clientMessageId } } });
    },

    /**
     * Records a new turn and takes the chat's generation lease at epoch 0, in one statement (one
     * round trip, atomic: the turn exists only if the lease was taken). Two sends racing on one
     * chat serialise on the chat row: the loser gets a `lease_conflict` DomainError; a turn
     * already recorded under the clientMessageId fails the statement (unique) and takes no lease.
     * An expired lease is not taken here: its answer first has to be ended or continued by lease
     * takeover (leases/sweeper.ts), or it would stay `streaming` forever.
     */
    async startTurn(input: Omit<TurnRecord, "offset"> & { holder: string; leaseMs: number; model: string }): Promise<TurnRecord> {
      const { holder, leaseMs, model, ...turn } = input;
      const now = clock();
      const rows = await sql.rows<TurnRecord>(
        `WITH leased AS (
          UPDATE "chat" SET "activeGenerationId" = $1, "leaseHolder" = $2,
            "leaseExpiresAt" = $3, "generationEpoch" = 0, "stopRequestedAt" = NULL,
            "stopRequestedBy" = NULL, "closeWithError" = NULL, "updatedAt" = $4, "model" = $5
          WHERE "id" = $6 AND "deletedAt" IS NULL AND "activeGenerationId" IS NULL
          RETURNING "id"
        )
        INSERT INTO "turn" ("id", "chatId", "clientMessageId", "userMessageId", "assistantMessageId")
        SELECT $7::text, leased."id", $8::text, $9::text, $1::text FROM leased
        RETURNING "chatId", "clientMessageId", "userMessageId", "assistantMessageId", "offset"`,
        [turn.assistantMessageId, holder, new Date(now.getTime() + leaseMs), now, model, turn.chatId, randomUUID(), turn.clientMessageId, turn.userMessageId],
      );
      const recorded = rows[0];
      if (!recorded) throw new DomainError("lease_conflict", "an answer is still being generated in this chat; wait for it or stop it");
      return recorded;
    },

    /** Raw: on every send's path, and Prisma's update costs several times the CPU of this statement. */
    async setTurnOffset(chatId: string, clientMessageId: string, offset: string): Promise<void> {
      const count = await sql.count(`UPDATE "turn" SET "offset" = $1 WHERE "chatId" = $2 AND "clientMessageId" = $3`, [offset, chatId, clientMessageId]);
      if (count !== 1) throw new Error(`setTurnOffset: no turn ${clientMessageId} in chat ${chatId}`);
    },

    /**
     * Records the offset of a turn whose send never did (its opening landed, then the statement
     * failed or its process died) when the answer is taken over: from then on a retry of that
     * send returns the turn, as it does once a send completed, instead of taking the lease
     * again (`retakeLease` requires no offset) and writing at an epoch the takeover has fenced.
     */
    async recordTakenOverOffset(chatId: string, assistantMessageId: string, offset: string): Promise<void> {
      await sql.count(`UPDATE "turn" SET "offset" = $1 WHERE "chatId" = $2 AND "assistantMessageId" = $3 AND "offset" IS NULL`, [offset, chatId, assistantMessageId]);
    },

    /**
     * Takes the lease again for a turn whose first append failed (a retried send): its answer
     * has no event in the log yet, so it starts over at epoch 0. Only when nobody is on it: the
     * chat runs no answer (the first attempt released the lease) or this turn's lease lapsed (its
     * process died) — never under a live attempt of the same send — and only while the turn has
     * no offset (once it has one the send completed: its retry returns it, it never starts the
     * answer again). One statement, so no other attempt can slip between the checks.
     */
    async retakeLease(chatId: string, clientMessageId: string, generationId: string, holder: string, leaseMs: number): Promise<boolean> {
      const now = clock();
      const count = await sql.count(
        `UPDATE "chat" SET "activeGenerationId" = $1, "leaseHolder" = $2,
          "leaseExpiresAt" = $3, "generationEpoch" = 0, "stopRequestedAt" = NULL,
          "stopRequestedBy" = NULL, "closeWithError" = NULL
        WHERE "id" = $4 AND "deletedAt" IS NULL
          AND ("activeGenerationId" IS NULL OR ("activeGenerationId" = $1 AND "leaseExpiresAt" < $5))
          AND EXISTS (SELECT 1 FROM "turn" WHERE "chatId" = $4 AND "clientMessageId" = $6 AND "offset" IS NULL)`,
        [generationId, holder, new Date(now.getTime() + leaseMs), chatId, now, clientMessageId],
      );
      return count === 1;
    },
  };
}

/** A lease starts at epoch 0 with no stop request and no verdict from an earlier answer (startTurn's statement spells the same). */
const FRESH_LEASE = { generationEpoch: 0, stopRequestedAt: null, stopRequestedBy: null, closeWithError: null } as const;

export type ChatRepository = ReturnType<typeof createChatRepository>;

export function chatNotFound(id: string): DomainError {
  // An id of another shape is not echoed back (it may be 70 KB of anything).
  return new DomainError("chat_not_found", isWellFormedId(id) ? `chat ${id} not found` : "chat not found");
}

/** A message id the chat's log does not hold (ids reach here well-formed: checked at the route). */
export function messageNotFound(messageId: string): DomainError {
  return new DomainError("message_not_found", `no message ${messageId} in this chat`);
}
