/**
 * Applies the committed Prisma migrations (`prisma/migrations/<name>/migration.sql`) at server
 * start-up — what `prisma migrate deploy` does, without the native schema engine.
 *
 * The bookkeeping is Prisma's own, so `prisma migrate deploy` / `migrate status` keep working
 * on machines that have the engine:
 * - table `_prisma_migrations` with Prisma's exact columns;
 * - `checksum` = lowercase hex sha256 of migration.sql; `applied_steps_count` = 1 and
 *   `finished_at` set once applied; a failure leaves a row with `logs` and no `finished_at`;
 *   rows with `rolled_back_at` (`prisma migrate resolve --rolled-back`) are ignored;
 * - the session advisory lock 72707369 serialises concurrent appliers (several replicas booting).
 *
 * Unlike Prisma, each migration runs in one explicit transaction with its bookkeeping row, so a
 * crash never leaves a half-recorded migration. (A script that cannot run in a transaction,
 * e.g. `CREATE INDEX CONCURRENTLY`, is not supported.) It refuses to run — {@link MigrationError}
 * — when a recorded migration failed or an applied migration's file was edited.
 *
 * @example
 * await applyMigrations({ connectionString: process.env.DATABASE_URL! });
 * await applyMigrations(pool, { migrationsDir: "/srv/prisma/migrations" });
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The lock key `prisma migrate` uses on Postgres. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export type MigrationErrorCode =
  /** An applied migration's migration.sql differs from what was applied. */
  | "checksum_mismatch"
  /** `_prisma_migrations` records a failed migration; resolve it first (`prisma migrate resolve`). */
  | "failed_migration_recorded"
  /** A migration script failed now (its transaction was rolled back and the failure recorded). */
  | "migration_failed"
  /** The migrations directory is missing or malformed. */
  | "invalid_migrations"
  /** Another applier held the lock longer than `lockTimeoutMs`. */
  | "lock_timeout";

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly migrationName?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ApplyMigrationsOptions {
  /** Directory of migration folders. Default: this package's `prisma/migrations`. */
  migrationsDir?: string;
  /** How long to wait for another applier's lock before failing. Default 60 000 ms. */
  lockTimeoutMs?: number;
  /** Progress messages (one per applied migration). Default: silent. */
  log?: (message: string) => void;
}

export interface ApplyMigrationsResult {
  /** Names of the migrations this call applied, in order (empty when up to date). */
  applied: string[];
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/** Prisma's `_prisma_migrations` DDL for Postgres. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Lowercase hex sha256 of a migration script, as Prisma records it. */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Prisma accepts a checksum computed over the script with either line ending convention. */
function checksumMatches(sql: string, recorded: string): boolean {
  const lf = sql.replaceAll("\r\n", "\n");
  return [sql, lf, lf.replaceAll("\n", "\r\n")].some((variant) => migrationChecksum(variant) === recorded);
}

/**
 * This package's `prisma/migrations`: the directory beside the nearest package.json above this
 * module, which is the package root both from `src/db/` (tsx, vitest) and from `dist/` (build).
 */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "prisma", "migrations");
    const parent = dirname(dir);
    if (parent === dir) throw new MigrationError("invalid_migrations", "cannot locate the @open-chat/server package root");
    dir = parent;
  }
}

/** The committed migrations, sorted by directory name (their timestamp prefix). */
export function readMigrations(migrationsDir: string = defaultMigrationsDir()): LocalMigration[] {
  if (!existsSync(migrationsDir)) {
    throw new MigrationError("invalid_migrations", `migrations directory not found: ${migrationsDir}`);
  }
  return readdirSync(migrationsDir)
    .filter((name) => statSync(join(migrationsDir, name)).isDirectory())
    .sort()
    .map((name) => {
      const file = join(migrationsDir, name, "migration.sql");
      if (!existsSync(file)) throw new MigrationError("invalid_migrations", `${file} does not exist`, name);
      const sql = readFileSync(file, "utf8");
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

/**
 * Applies every committed migration not yet applied, in order. Idempotent; safe to call from
 * several processes at once. Given a pool, borrows one connection and leaves the pool open.
 */
export async function applyMigrations(
  target: { connectionString: string } | pg.Pool,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrations = readMigrations(options.migrationsDir);
  // Duck-typed rather than `instanceof`, so a pool from another copy of `pg` works too.
  if (typeof (target as Partial<pg.Pool>).connect === "function") {
    const pool = target as pg.Pool;
    const client = await pool.connect();
    let failure: unknown;
    try {
      return await applyWithClient(client, migrations, options);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // A connection in an unknown state (e.g. mid-transaction after a network error) is
      // destroyed rather than returned to the pool.
      client.release(failure instanceof MigrationError || failure === undefined ? undefined : true);
    }
  }
  const client = new pg.Client({ connectionString: (target as { connectionString: string }).connectionString });
  await client.connect();
  try {
    return await applyWithClient(client, migrations, options);
  } finally {
    await client.end();
  }
}

async function applyWithClient(
  client: pg.ClientBase,
  migrations: LocalMigration[],
  { lockTimeoutMs = 60_000, log }: ApplyMigrationsOptions,
): Promise<ApplyMigrationsResult> {
  await acquireLock(client, lockTimeoutMs);
  try {
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<MigrationRow>(
      `SELECT "id", "checksum", "migration_name", "finished_at", "rolled_back_at", "logs"
         FROM "_prisma_migrations" ORDER BY "started_at" ASC`,
    );
    const live = rows.filter((row) => row.rolled_back_at === null);

    const failed = live.find((row) => row.finished_at === null);
    if (failed) {
      throw new MigrationError(
        "failed_migration_recorded",
        `migration ${failed.migration_name} failed earlier (see "_prisma_migrations".logs); ` +
          `fix the database, then mark it with \`prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
          `or \`--applied\` (or delete its row) before starting again`,
        failed.migration_name,
      );
    }

    const appliedByName = new Map(live.map((row) => [row.migration_name, row]));
    for (const migration of migrations) {
      const row = appliedByName.get(migration.name);
      if (row && !checksumMatches(migration.sql, row.checksum)) {
        throw new MigrationError(
          "checksum_mismatch",
          `migration ${migration.name} was modified after it was applied ` +
            `(recorded checksum ${row.checksum}, file ${migration.checksum}); restore the file and add a new migration instead`,
          migration.name,
        );
      }
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      if (appliedByName.has(migration.name)) continue;
      if (!(await applyOne(client, migration))) continue;
      log?.(`applied migration ${migration.name}`);
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
  }
}

async function acquireLock(client: pg.ClientBase, timeoutMs: number): Promise<void> {
  // lock_timeout also bounds advisory-lock waits; reset so it never applies to migrations.
  await client.query(`SET lock_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
  } catch (error) {
    if ((error as { code?: string }).code === "55P03") {
      throw new MigrationError("lock_timeout", `another process held the migration lock for more than ${timeoutMs} ms`, undefined, {
        cause: error,
      });
    }
    throw error;
  } finally {
    await client.query("RESET lock_timeout");
  }
}

/** Applies one migration; false when another applier got there first. */
async function applyOne(client: pg.ClientBase, migration: LocalMigration): Promise<boolean> {
  const id = randomUUID();
  try {
    await client.query("BEGIN");
    // Re-checked inside the transaction: behind PGlite's socket server every connection shares
    // one backend session, so the (re-entrant) advisory lock does not exclude a second applier
    // there; its transactions are serialised, which makes this check sufficient.
    const done = await client.query(
      `SELECT 1 FROM "_prisma_migrations" WHERE "migration_name" = $1 AND "rolled_back_at" IS NULL AND "finished_at" IS NOT NULL`,
      [migration.name],
    );
    if (done.rowCount) {
      await client.query("ROLLBACK");
      return false;
    }
    await client.query(
      `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at") VALUES ($1, $2, $3, now())`,
      [id, migration.checksum, migration.name],
    );
    // No parameters: the simple query protocol runs the whole multi-statement script.
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET "applied_steps_count" = 1, "finished_at" = clock_timestamp() WHERE "id" = $1`,
      [id],
    );
    await client.query("COMMIT");
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    // Record the failure the way `prisma migrate deploy` leaves it: no finished_at, logs set.
    await client
      .query(
        `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "logs") VALUES ($1, $2, $3, now(), $4)`,
        [id, migration.checksum, migration.name, describe(error)],
      )
      .catch(() => undefined);
    throw new MigrationError("migration_failed", `migration ${migration.name} failed: ${describe(error)}`, migration.name, {
      cause: error,
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const { code, position } = error as { code?: string; position?: string };
    return [error.message, code && `(SQLSTATE ${code})`, position && `at position ${position}`].filter(Boolean).join(" ");
  }
  return String(error);
}
