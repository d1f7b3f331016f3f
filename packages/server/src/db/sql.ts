/**
 * Raw statements of the hot path (run by every send and every answer: the turn's lookup and
 * lease, its offset, the lease's renewal and release, the hold lookup and the usage row; and
 * the live tails' session check), sent straight to the pg pool under Prisma. Prisma's
 * `$queryRaw` runs even a raw statement through its query interpreter and result mapping:
 * ~300 µs of CPU against ~100 µs for the same 10-parameter statement on the pool (measured
 * side by side, Node 24), and one send with its answer runs six such statements. Everything
 * else keeps using Prisma.
 *
 * Without a pool (`createApp` given a Prisma client only) the same statements run through
 * Prisma's `$queryRawUnsafe`, so both runners must read the same: placeholders `$1…`; text,
 * int4 and timestamptz (every timestamp of the schema) read alike, int8 does not (pg reads it
 * as a string, Prisma as a bigint: callers convert with `BigInt`). Statements go unnamed:
 * PGlite's socket server shares one Postgres session between all connections, so a prepared
 * statement's name could be taken by another connection's.
 *
 * @example
 * const sql = poolSql(db.pool);
 * const rows = await sql.rows<{ id: string }>(`SELECT "id" FROM "chat" WHERE "userId" = $1`, [userId]);
 */
import type pg from "pg";
import type { PrismaClient } from "../generated/prisma/client.js";

export interface Sql {
  /** The rows a statement returns. */
  rows<R>(text: string, values: readonly unknown[]): Promise<R[]>;
  /** How many rows a statement without RETURNING changed. */
  count(text: string, values: readonly unknown[]): Promise<number>;
}

export function poolSql(pool: Pick<pg.Pool, "query">): Sql {
  return {
    async rows<R>(text: string, values: readonly unknown[]) {
      return (await pool.query({ text, values: values as unknown[] })).rows as R[];
    },
    async count(text, values) {
      return (await pool.query({ text, values: values as unknown[] })).rowCount ?? 0;
    },
  };
}

export function prismaSql(prisma: Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe">): Sql {
  return {
    rows<R>(text: string, values: readonly unknown[]) {
      return prisma.$queryRawUnsafe<R[]>(text, ...values);
    },
    count(text, values) {
      return prisma.$executeRawUnsafe(text, ...values);
    },
  };
}
