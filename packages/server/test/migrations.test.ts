import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import { afterEach, describe, expect, it } from "vitest";
import { applyMigrations, defaultMigrationsDir, MigrationError } from "../src/db/migrate.js";

const MIGRATIONS_DIR = defaultMigrationsDir();
const committed = readdirSync(MIGRATIONS_DIR)
  .filter((name) => statSync(join(MIGRATIONS_DIR, name)).isDirectory())
  .sort();

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

interface Row {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  started_at: Date;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database;
}

/**
 * `pool.end()` resolves once its idle clients are told to end, not once they have: a database
 * dropped WITH (FORCE) right after terminates a backend still closing, and that client's error
 * surfaced as an unhandled one. This waits for every client's own end.
 */
async function endPool(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on("remove", () => --open === 0 && resolve());
  });
  await pool.end();
  await closed;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const migrationRows = (url: string) =>
  query<Row>(url, `SELECT * FROM "_prisma_migrations" ORDER BY "migration_name", "started_at"`);

/** A copy of the committed migrations plus `extra` ({ dirName: sql }), removed after the test. */
function migrationsCopy(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "open-chat-migrations-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("applyMigrations", () => {
  it("finds committed migrations, the first one being init", () => {
    expect(committed.length).toBeGreaterThan(0);
    expect(committed[0]).toMatch(/^\d{14}_init$/);
  });

  it("applies every migration to a fresh database and records them as prisma migrate deploy does", async () => {
    const database = await freshDatabase();
    const result = await applyMigrations({ connectionString: database.url });
    expect(result.applied).toEqual(committed);

    const rows = await migrationRows(database.url);
    expect(rows.map((row) => row.migration_name)).toEqual(committed);
    for (const row of rows) {
      expect(row.checksum).toBe(sha256(join(MIGRATIONS_DIR, row.migration_name, "migration.sql")));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }

    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      database.url,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", is_nullable: "NO" },
      { column_name: "checksum", data_type: "character varying", is_nullable: "NO" },
      { column_name: "finished_at", data_type: "timestamp with time zone", is_nullable: "YES" },
      { column_name: "migration_name", data_type: "character varying", is_nullable: "NO" },
      { column_name: "logs", data_type: "text", is_nullable: "YES" },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", is_nullable: "YES" },
      { column_name: "started_at", data_type: "timestamp with time zone", is_nullable: "NO" },
      { column_name: "applied_steps_count", data_type: "integer", is_nullable: "NO" },
    ]);

    // The init migration seeds the default tenant.
    expect(await query(database.url, `SELECT "id", "name" FROM "tenant"`)).toEqual([{ id: "default", name: "Default" }]);
  });

  it("is a no-op when everything is applied (also through a pg.Pool, which stays usable)", async () => {
    const database = await freshDatabase();
    await applyMigrations({ connectionString: database.url });
    const before = await migrationRows(database.url);

    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => endPool(pool));
    expect(await applyMigrations(pool)).toEqual({ applied: [] });
    expect(await applyMigrations({ connectionString: database.url })).toEqual({ applied: [] });
    expect(await migrationRows(database.url)).toEqual(before);
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("lets concurrent appliers on a fresh database apply each migration exactly once", async () => {
    const database = await freshDatabase();
    const results = await Promise.all([
      applyMigrations({ connectionString: database.url }),
      applyMigrations({ connectionString: database.url }),
      applyMigrations({ connectionString: database.url }),
    ]);
    expect(results.flatMap((result) => result.applied).sort()).toEqual(committed);
    const rows = await migrationRows(database.url);
    expect(rows.map((row) => row.migration_name)).toEqual(committed);
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
  });

  it("applies a migration added later, and only that one", async () => {
    const database = await freshDatabase();
    await applyMigrations({ connectionString: database.url });
    const dir = migrationsCopy({ "99990101000000_extra": `CREATE TABLE "extra" ("id" TEXT PRIMARY KEY);\nINSERT INTO "extra" VALUES ('a');\n` });
    expect(await applyMigrations({ connectionString: database.url }, { migrationsDir: dir })).toEqual({
      applied: ["99990101000000_extra"],
    });
    expect(await query(database.url, `SELECT "id" FROM "extra"`)).toEqual([{ id: "a" }]);
  });

  it("refuses to run when an applied migration was edited (typed error)", async () => {
    const database = await freshDatabase();
    await applyMigrations({ connectionString: database.url });
    const dir = migrationsCopy();
    const first = join(dir, committed[0]!, "migration.sql");
    writeFileSync(first, `${readFileSync(first, "utf8")}\n-- edited after it was applied\n`);

    const error = await applyMigrations({ connectionString: database.url }, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "checksum_mismatch", migrationName: committed[0] });
  });

  it("refuses to run when the recorded checksum was tampered with", async () => {
    const database = await freshDatabase();
    await applyMigrations({ connectionString: database.url });
    await query(database.url, `UPDATE "_prisma_migrations" SET "checksum" = $1 WHERE "migration_name" = $2`, ["0".repeat(64), committed[0]]);
    await expect(applyMigrations({ connectionString: database.url })).rejects.toMatchObject({
      name: "MigrationError",
      code: "checksum_mismatch",
    });
  });

  it("rolls a failing migration back, records the failure, and refuses to run until it is resolved", async () => {
    const database = await freshDatabase();
    await applyMigrations({ connectionString: database.url });
    const dir = migrationsCopy({
      "99990101000000_broken": `CREATE TABLE "half_done" ("id" TEXT);\nSELECT * FROM "no_such_table";\n`,
    });

    await expect(applyMigrations({ connectionString: database.url }, { migrationsDir: dir })).rejects.toMatchObject({
      code: "migration_failed",
      migrationName: "99990101000000_broken",
    });
    // Atomic: nothing of the failed script remains.
    expect(await query(database.url, `SELECT to_regclass('"half_done"') AS t`)).toEqual([{ t: null }]);
    const failed = (await migrationRows(database.url)).find((row) => row.migration_name === "99990101000000_broken");
    expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(failed?.logs).toContain("no_such_table");

    // Like `prisma migrate deploy` (P3009): no further start until the failure is resolved...
    await expect(applyMigrations({ connectionString: database.url })).rejects.toMatchObject({
      code: "failed_migration_recorded",
      migrationName: "99990101000000_broken",
    });
    // ...e.g. with `prisma migrate resolve --rolled-back`, after which it is applied again.
    await query(database.url, `UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "finished_at" IS NULL`);
    writeFileSync(join(dir, "99990101000000_broken", "migration.sql"), `CREATE TABLE "half_done" ("id" TEXT);\n`);
    expect(await applyMigrations({ connectionString: database.url }, { migrationsDir: dir })).toEqual({
      applied: ["99990101000000_broken"],
    });
  });
});
