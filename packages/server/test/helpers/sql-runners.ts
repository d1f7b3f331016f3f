/**
 * The two ways the hot path's statements run (db/sql.ts), for suites that check a store
 * through each: Prisma's `$queryRawUnsafe` (`createApp` without a pool) and the pg pool
 * (`startServer`: statements prepared on a real Postgres, unnamed on PGlite).
 */
import { poolSql, prismaSql, type Sql } from "../../src/db/sql.js";
import type { Db } from "../../src/db/client.js";

export const SQL_RUNNERS: Array<[name: string, sqlOf: (db: Db) => Sql]> = [
  ["Prisma", (db) => prismaSql(db.prisma)],
  ["the pg pool", (db) => poolSql(db.pool)],
  ["the pg pool, prepared", (db) => poolSql(db.pool, { prepared: true })],
];
