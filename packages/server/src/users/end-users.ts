/**
 * A tenant's end users as the admin API sees them: lists, one user, their chats, and usage
 * counts. Every query is scoped to the tenant, so a user or chat id of another tenant simply
 * does not exist here. Deleting a user is delete-user.ts.
 */
import { decodeKeysetCursor, encodeKeysetCursor } from "../db/keyset-cursor.js";
import type { PrismaClient } from "../generated/prisma/client.js";

export interface EndUserRecord {
  id: string;
  /** The tenant's own id for a verified user (its JWT's `sub`); null for guests. */
  externalId: string | null;
  name: string;
  /** The verified user's email from the tenant's JWT; null for guests (Better Auth gives them a made-up one). */
  email: string | null;
  isAnonymous: boolean;
  createdAt: Date;
  /** Chats the user has (not deleted). */
  chats: number;
}

export interface EndUserChat {
  id: string;
  title: string | null;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UsageCounts {
  since: Date;
  until: Date;
  users: number;
  guests: number;
  verifiedUsers: number;
  chats: number;
  turns: number;
}

export interface EndUserPage {
  users: EndUserRecord[];
  nextCursor: string | null;
}

const userFields = {
  id: true,
  externalId: true,
  name: true,
  contactEmail: true,
  isAnonymous: true,
  createdAt: true,
  _count: { select: { chats: { where: { deletedAt: null } } } },
} as const;

const chatFields = { id: true, title: true, model: true, createdAt: true, updatedAt: true } as const;

type UserRow = {
  id: string;
  externalId: string | null;
  name: string;
  contactEmail: string | null;
  isAnonymous: boolean | null;
  createdAt: Date;
  _count: { chats: number };
};

export function createEndUsers(prisma: PrismaClient) {
  return {
    /** Newest first, keyset-paginated with an opaque cursor. */
    async list(tenantId: string, { limit, cursor }: { limit: number; cursor?: string | undefined }): Promise<EndUserPage> {
      const after = cursor ? decodeKeysetCursor(cursor) : null;
      const rows = await prisma.user.findMany({
        where: {
          tenantId,
          ...(after && { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] }),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        select: userFields,
      });
      const users = rows.slice(0, limit).map(toRecord);
      const last = users.at(-1);
      return { users, nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null };
    },

    async get(tenantId: string, userId: string): Promise<EndUserRecord | null> {
      const row = await prisma.user.findFirst({ where: { id: userId, tenantId }, select: userFields });
      return row && toRecord(row);
    },

    /** The user's chats, newest activity first; null when the tenant has no such user. */
    async chats(tenantId: string, userId: string): Promise<EndUserChat[] | null> {
      const user = await prisma.user.findFirst({
        where: { id: userId, tenantId },
        select: { chats: { where: { tenantId, deletedAt: null }, orderBy: [{ updatedAt: "desc" }, { id: "desc" }], select: chatFields } },
      });
      return user?.chats ?? null;
    },

    /** One of the user's chats (not deleted); null when it is not theirs. */
    async chat(tenantId: string, userId: string, chatId: string): Promise<EndUserChat | null> {
      return prisma.chat.findFirst({ where: { id: chatId, userId, tenantId, deletedAt: null }, select: chatFields });
    },

    /** What happened in the window [since, until). */
    async usage(tenantId: string, window: { since: Date; until: Date }): Promise<UsageCounts> {
      const createdAt = { gte: window.since, lt: window.until };
      const [users, guests, verifiedUsers, chats, turns] = await Promise.all([
        prisma.user.count({ where: { tenantId, createdAt } }),
        prisma.user.count({ where: { tenantId, createdAt, isAnonymous: true } }),
        prisma.user.count({ where: { tenantId, createdAt, externalId: { not: null } } }),
        prisma.chat.count({ where: { tenantId, createdAt } }),
        prisma.turn.count({ where: { createdAt, chat: { tenantId } } }),
      ]);
      return { ...window, users, guests, verifiedUsers, chats, turns };
    },
  };
}

export type EndUsers = ReturnType<typeof createEndUsers>;

function toRecord(row: UserRow): EndUserRecord {
  const isAnonymous = row.isAnonymous === true;
  return {
    id: row.id,
    externalId: row.externalId,
    name: row.name,
    email: isAnonymous ? null : row.contactEmail,
    isAnonymous,
    createdAt: row.createdAt,
    chats: row._count.chats,
  };
}
