/**
 * The hot path's statement runners (db/sql.ts) on real Postgres: both read and write the same,
 * and a Date goes in and comes out as its instant whatever the process's time zone (the
 * schema's timestamps are timestamptz; a column without a zone would fail here through the pool).
 */
import { Pool } from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { poolSql } from "../src/db/sql.js";
import { useMigratedDb } from "./helpers/database.js";
import { SQL_RUNNERS } from "./helpers/sql-runners.js";

const pg = useMigratedDb({ seed: (db) => db.prisma.user.create({ data: { id: "u1", name: "u1", email: "u1@example.test", tenantId: "default" } }) });
const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe.each(SQL_RUNNERS)("through %s", (name, sqlOf) => {
  it("writes and reads a Date as its instant in a process far from UTC", async () => {
    process.env.TZ = "America/New_York";
    const at = new Date("2026-06-01T12:00:00.123Z");
    expect(at.getTimezoneOffset()).not.toBe(0); // the zone took effect
    const id = `tz-${name.length}`;
    await pg.db.prisma.chat.create({ data: { id, tenantId: "default", userId: "u1" } });
    expect(await sqlOf(pg.db).count(`UPDATE "chat" SET "leaseExpiresAt" = $1 WHERE "id" = $2`, [at, id])).toBe(1);
    const row = await pg.db.prisma.chat.findUniqueOrThrow({ where: { id } });
    expect(row.leaseExpiresAt?.toISOString()).toBe(at.toISOString());
    // …and compares a Date parameter with that column as the same instant.
    const [same] = await sqlOf(pg.db).rows<{ n: number; at: Date }>(`SELECT count(*)::int AS n, max("leaseExpiresAt") AS at FROM "chat" WHERE "id" = $1 AND "leaseExpiresAt" = $2`, [id, at]);
    expect(same?.n).toBe(1);
    expect(same?.at.getTime()).toBe(at.getTime());
  });

  it("reads text, int4, int8 and null as the hot path's callers expect, takes an array, and counts changed rows", async () => {
    const [row] = await sqlOf(pg.db).rows<{ t: string; i: number; big: bigint | string; none: null; n: number }>(
      `SELECT $1::text AS t, 7::int AS i, 9007199254740993::int8 AS big, NULL::text AS none, cardinality($2::text[])::int AS n`,
      ['a"b{,}\\', ["x", "y,z", '"q"', "back\\slash"]],
    );
    expect(row).toMatchObject({ t: 'a"b{,}\\', i: 7, none: null, n: 4 });
    expect(BigInt(row!.big)).toBe(9007199254740993n);
    expect(await sqlOf(pg.db).count(`UPDATE "chat" SET "title" = $1 WHERE "id" = $2`, ["x", "no-such-chat"])).toBe(0);
  });
});

describe("prepared statements on the pool", () => {
  const prepared = async (pool: Pool) => (await pool.query<{ name: string; statement: string }>(`SELECT name, statement FROM pg_prepared_statements ORDER BY statement`)).rows;

  it("prepares each statement once per connection, named from its text: two runners on one pool share the names", async () => {
    const pool = new Pool({ connectionString: pg.url, max: 1 }); // one connection: one session to look into
    try {
      const first = poolSql(pool, { prepared: true });
      const second = poolSql(pool, { prepared: true });
      expect(await first.rows<{ n: number }>(`SELECT $1::int AS n`, [1])).toEqual([{ n: 1 }]);
      expect(await second.rows<{ n: number }>(`SELECT $1::int AS n`, [2])).toEqual([{ n: 2 }]);
      expect(await second.rows<{ t: string }>(`SELECT $1::text AS t`, ["x"])).toEqual([{ t: "x" }]);
      expect(await first.count(`UPDATE "chat" SET "title" = $1 WHERE "id" = $2`, ["x", "no-such-chat"])).toBe(0);
      const statements = await prepared(pool);
      expect(statements.map((s) => s.statement)).toEqual([`SELECT $1::int AS n`, `SELECT $1::text AS t`, `UPDATE "chat" SET "title" = $1 WHERE "id" = $2`]);
      for (const { name } of statements) expect(name).toMatch(/^oc_[\w-]{24}$/);
      expect(new Set(statements.map((s) => s.name)).size).toBe(3);
    } finally {
      await pool.end();
    }
  });

  it("leaves statements unnamed when not asked to prepare them (PGlite)", async () => {
    const pool = new Pool({ connectionString: pg.url, max: 1 });
    try {
      expect(await poolSql(pool).rows<{ n: number }>(`SELECT $1::int AS n`, [3])).toEqual([{ n: 3 }]);
      expect(await prepared(pool)).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
