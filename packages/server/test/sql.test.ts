/**
 * The hot path's statement runners (db/sql.ts) on real Postgres: both read and write the same,
 * and a Date goes in and comes out as its instant whatever the process's time zone (the
 * schema's timestamps are timestamptz; a column without a zone would fail here through the pool).
 */
import { afterEach, describe, expect, it } from "vitest";
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
