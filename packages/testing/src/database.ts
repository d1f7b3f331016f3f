/**
 * A throwaway Postgres database per test file (or per test): uniquely named, created on the
 * server of `TEST_DATABASE_ADMIN_URL` (default postgres://postgres@127.0.0.1:5432/postgres),
 * optionally migrated, dropped by `drop()`.
 *
 * @example
 * const database = await createTestDatabase({ migrate: applyMigrations });
 * afterAll(() => database.drop());
 * const db = createDb({ connectionString: database.url });
 */
import { randomUUID } from "node:crypto";
import pg from "pg";

export const TEST_DATABASE_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  /** Connection string of the new database. */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. Idempotent. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /**
   * Brings the empty database to the current schema, e.g. the server's `applyMigrations`.
   * Default: none (the server's `startServer` migrates at start anyway).
   */
  migrate?: (options: { connectionString: string }) => Promise<unknown>;
}

/** `url` with its database name replaced. */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Runs one statement on the admin database (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase({ migrate }: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `open_chat_test_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  let dropping: Promise<void> | undefined;
  const database: TestDatabase = {
    url: databaseUrl(TEST_DATABASE_ADMIN_URL, name),
    name,
    drop() {
      dropping ??= adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return dropping;
    },
  };
  if (migrate) {
    try {
      await migrate({ connectionString: database.url });
    } catch (error) {
      await database.drop();
      throw error;
    }
  }
  return database;
}
