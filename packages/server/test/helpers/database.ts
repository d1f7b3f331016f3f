/**
 * A migrated throwaway Postgres database for one suite: created before its tests, a `Db` on it
 * (optionally seeded), closed and dropped after.
 *
 * ```ts
 * const pg = useMigratedDb({ seed: (db) => db.prisma.user.create({ data: … }) });
 * it("…", async () => { await pg.db.prisma.chat.count(); });
 * ```
 */
import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import { afterAll, beforeAll } from "vitest";
import { createDb, type Db } from "../../src/db/client.js";
import { applyMigrations } from "../../src/db/migrate.js";

export interface MigratedDb {
  readonly db: Db;
  /** The database's connection string (for a second client, e.g. a LISTEN connection). */
  readonly url: string;
}

export function useMigratedDb(options: { max?: number; seed?: (db: Db) => Promise<unknown> } = {}): MigratedDb {
  let database: TestDatabase | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: applyMigrations });
    db = createDb({ connectionString: database.url, ...(options.max ? { max: options.max } : {}) });
    await options.seed?.(db);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the test database is not ready (use it inside a test or hook)");
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get url() {
      return ready(database).url;
    },
  };
}
