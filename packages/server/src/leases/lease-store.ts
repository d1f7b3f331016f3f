/**
 * The generation lease on a chat row (invariant 5): who holds the running answer, until when,
 * and its epoch — the fencing token. The epoch changes only by compare-and-set, and it is the
 * streams-tier `Producer-Epoch` of the answer's appends, so a holder that lost the lease is
 * rejected by the tier itself (stale epoch → 403) even if it never hears about the loss here.
 *
 * Renewal is one statement per process per interval (every lease the process holds), so its
 * cost in Postgres does not grow with the number of running answers in statements, only in
 * rows touched.
 */
import type { PrismaClient } from "../generated/prisma/client.js";
import { prismaSql, type Sql } from "../db/sql.js";

/** One running generation as the lease sees it. */
export interface LeaseRef {
  chatId: string;
  generationId: string;
  epoch: number;
}

/** An expired lease, with what a taker needs to decide how to end or continue the turn. */
export interface ExpiredLease extends LeaseRef {
  tenantId: string;
  userId: string;
  model: string | null;
  /** Set when a stop was requested: the taker ends the turn as stopped. */
  stopRequestedBy: "user" | "system" | null;
  /** Set when the holder gave up on the log: the taker closes the turn with this error code. */
  closeWithError: string | null;
  deleted: boolean;
}

export interface StopRequest extends LeaseRef {
  holder: string | null;
  /** True when the lease has lapsed: no live holder will see the stop. */
  expired: boolean;
}

/** A lease its holder still holds after renewal. */
export interface HeldLease extends LeaseRef {
  /** A stop was recorded (the holder may have missed its notification). */
  stopRequestedBy: "user" | "system" | null;
}

export interface LeaseStore {
  /**
   * Extends the leases of `generationIds` that `holder` still holds; returns them (a lease not
   * returned is lost). Only generations this process runs: a holder id reused by a restarted
   * process (HOLDER_ID) must not keep a dead run's leases alive.
   */
  renewHeld(holder: string, leaseMs: number, generationIds: readonly string[]): Promise<HeldLease[]>;
  /** Leases that expired before now, oldest first. */
  findExpired(limit: number): Promise<ExpiredLease[]>;
  /** Compare-and-set: takes an expired lease at `lease.epoch`, moving it to `epoch + 1`. */
  takeOver(lease: LeaseRef, holder: string, leaseMs: number): Promise<LeaseRef | null>;
  /** Ends the lease if it is still at this epoch (a fenced holder releases nothing). */
  release(lease: LeaseRef): Promise<void>;
  /**
   * Ends the lease's term now, if it is still at this epoch, without ending the lease: the next
   * to look — a retry of its send (`retakeLease`) or a sweep — takes it over at once.
   */
  lapse(lease: LeaseRef): Promise<void>;
  /** Records a durable stop for the chat's running generation; null when none runs. */
  requestStop(chatId: string, by: "user" | "system"): Promise<StopRequest | null>;
  /** Records that whoever takes this lease next must close the turn with `code`. */
  closeWithError(lease: LeaseRef, code: string): Promise<void>;
  /** When the chat's current lease lapses (null when no generation runs). */
  expiresAt(chatId: string): Promise<Date | null>;
}

interface LeaseRow {
  id: string;
  activeGenerationId: string;
  generationEpoch: number;
}

/** `sql` runs the statements of every answer, renewal and release (db/sql.ts); default: through `prisma`. */
export function createLeaseStore(prisma: PrismaClient, clock: () => Date = () => new Date(), sql: Sql = prismaSql(prisma)): LeaseStore {
  const later = (ms: number) => new Date(clock().getTime() + ms);
  const toRef = (row: LeaseRow): LeaseRef => ({ chatId: row.id, generationId: row.activeGenerationId, epoch: row.generationEpoch });

  return {
    async renewHeld(holder, leaseMs, generationIds) {
      if (generationIds.length === 0) return [];
      const rows = await sql.rows<LeaseRow & { stopRequestedBy: string | null }>(
        `UPDATE "chat" SET "leaseExpiresAt" = $1
        WHERE "leaseHolder" = $2 AND "activeGenerationId" = ANY($3::text[])
        RETURNING "id", "activeGenerationId", "generationEpoch", "stopRequestedBy"`,
        [later(leaseMs), holder, [...generationIds]],
      );
      return rows.map((row) => ({ ...toRef(row), stopRequestedBy: stopper(row.stopRequestedBy) }));
    },

    async findExpired(limit) {
      const rows = await prisma.chat.findMany({
        where: { activeGenerationId: { not: null }, leaseExpiresAt: { lt: clock() } },
        orderBy: { leaseExpiresAt: "asc" },
        take: limit,
        select: {
          id: true,
          tenantId: true,
          userId: true,
          model: true,
          activeGenerationId: true,
          generationEpoch: true,
          stopRequestedBy: true,
          closeWithError: true,
          deletedAt: true,
        },
      });
      return rows.map((row) => ({
        chatId: row.id,
        generationId: row.activeGenerationId as string,
        epoch: row.generationEpoch,
        tenantId: row.tenantId,
        userId: row.userId,
        model: row.model,
        stopRequestedBy: stopper(row.stopRequestedBy),
        closeWithError: row.closeWithError,
        deleted: row.deletedAt !== null,
      }));
    },

    async takeOver(lease, holder, leaseMs) {
      const { count } = await prisma.chat.updateMany({
        where: {
          id: lease.chatId,
          activeGenerationId: lease.generationId,
          generationEpoch: lease.epoch,
          leaseExpiresAt: { lt: clock() },
        },
        data: { generationEpoch: lease.epoch + 1, leaseHolder: holder, leaseExpiresAt: later(leaseMs) },
      });
      return count === 1 ? { ...lease, epoch: lease.epoch + 1 } : null;
    },

    async release(lease) {
      // Raw: once per answer, on the hot path (about half the CPU of the same `updateMany`).
      await sql.count(
        `UPDATE "chat" SET "activeGenerationId" = NULL, "leaseHolder" = NULL, "leaseExpiresAt" = NULL,
          "stopRequestedAt" = NULL, "stopRequestedBy" = NULL, "closeWithError" = NULL, "updatedAt" = $1
        WHERE "id" = $2 AND "activeGenerationId" = $3 AND "generationEpoch" = $4`,
        [clock(), lease.chatId, lease.generationId, lease.epoch],
      );
    },

    async lapse(lease) {
      // A moment ago, not now: "lapsed" is `leaseExpiresAt < now` for whoever looks next.
      await sql.count(`UPDATE "chat" SET "leaseExpiresAt" = $1 WHERE "id" = $2 AND "activeGenerationId" = $3 AND "generationEpoch" = $4`, [
        new Date(clock().getTime() - 1),
        lease.chatId,
        lease.generationId,
        lease.epoch,
      ]);
    },

    async requestStop(chatId, by) {
      const now = clock();
      const rows = await prisma.$queryRaw<Array<LeaseRow & { leaseHolder: string | null; leaseExpiresAt: Date | null }>>`
        UPDATE "chat" SET "stopRequestedAt" = COALESCE("stopRequestedAt", ${now}), "stopRequestedBy" = COALESCE("stopRequestedBy", ${by})
        WHERE "id" = ${chatId} AND "activeGenerationId" IS NOT NULL
        RETURNING "id", "activeGenerationId", "generationEpoch", "leaseHolder", "leaseExpiresAt"`;
      const row = rows[0];
      if (!row) return null;
      return { ...toRef(row), holder: row.leaseHolder, expired: row.leaseExpiresAt === null || row.leaseExpiresAt < now };
    },

    async closeWithError(lease, code) {
      await prisma.chat.updateMany({
        where: { id: lease.chatId, activeGenerationId: lease.generationId, generationEpoch: lease.epoch },
        data: { closeWithError: code },
      });
    },

    async expiresAt(chatId) {
      const row = await prisma.chat.findUnique({ where: { id: chatId }, select: { activeGenerationId: true, leaseExpiresAt: true } });
      return row?.activeGenerationId ? row.leaseExpiresAt : null;
    },
  };
}

function stopper(value: string | null): "user" | "system" | null {
  return value === "user" || value === "system" ? value : null;
}
