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
 * as a string, Prisma as a bigint: callers convert with `BigInt`). On a real Postgres the
 * statements are prepared (named: parsed and planned once per connection), which took the
 * database's CPU per send with its answer from 5.3–6.2 to 3.2–4.0 ms (`send-cpu.bench.ts`); on
 * PGlite they go unnamed — its socket server shares one Postgres session between all
 * connections, so a prepared statement's name could be taken by another connection's.
 *
 * @example
 * const sql = poolSql(db.pool, { prepared: true });
 * const rows = await sql.rows<{ id: string }>(`SELECT "id" FROM "chat" WHERE "userId" = $1`, [userId]);
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import type { PrismaClient } from "../generated/prisma/client.js";

export interface Sql {
  /** The rows a statement returns. */
  rows<R>(text: string, values: readonly unknown[]): Promise<R[]>;
  /** How many rows a statement without RETURNING changed. */
  count(text: string, values: readonly unknown[]): Promise<number>;
}

export interface PoolSqlOptions {
  /**
   * Run each statement as a named prepared statement: Postgres parses and plans it once per
   * connection instead of on every call. Only on a real Postgres reached directly or through a
   * pooler that keeps prepared statements (PgBouncer ≥ 1.21 with `max_prepared_statements`):
   * not on PGlite, whose socket server shares one session between connections. Default false.
   */
  prepared?: boolean;
}

export function poolSql(pool: Pick<pg.Pool, "query">, options: PoolSqlOptions = {}): Sql {
  const config = options.prepared ? (text: string, values: readonly unknown[]) => ({ name: statementName(text), text, values: values as unknown[] }) : (text: string, values: readonly unknown[]) => ({ text, values: values as unknown[] });
  return {
    async rows<R>(text: string, values: readonly unknown[]) {
      return (await pool.query(config(text, values))).rows as R[];
    },
    async count(text, values) {
      return (await pool.query(config(text, values))).rowCount ?? 0;
    },
  };
}

/** Statement texts are the hot path's constants: their names are kept, not hashed per call. */
const names = new Map<string, string>();

/**
 * A prepared statement's name, from its text: the same statement has the same name in every
 * runner on a pool (two runners numbering their statements could give one name two texts on a
 * shared connection, which node-postgres refuses).
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) names.set(text, (name = `oc_${createHash("sha256").update(text).digest("base64url").slice(0, 24)}`));
  return name;
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
