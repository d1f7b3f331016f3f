/**
 * How a PGlite template is made (src/db/pglite-template.ts says what it is for): initdb, every
 * committed migration, initdb's template databases dropped, a clean shutdown, no runtime files
 * left (lock, pid, socket). Used by scripts/pglite-template.ts at build time and by the
 * template's tests, so both build the same folder.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { RUNTIME_FILES, startEmbeddedPostgres } from "./embedded-postgres.js";
import { applyMigrations } from "./migrate.js";

/**
 * initdb's template databases: two thirds of the folder's files (600 of ~1,060) and 14 of its
 * 39 MB, which every fresh folder would copy (0.11–0.17 s → 0.04 s on an idle 2-core EPYC, and
 * several times that while a start's other threads compete for the cores). They serve only
 * CREATE DATABASE; the embedded database is the one `postgres` database and never makes another.
 */
export const DROPPED_DATABASES = ["template0", "template1"] as const;

/** Builds a template in `dataDir` (which must not hold a database yet). */
export async function buildPgliteTemplate(dataDir: string): Promise<void> {
  const postgres = await startEmbeddedPostgres({ dataDir, template: false });
  try {
    await applyMigrations({ connectionString: postgres.connectionString });
    await dropTemplateDatabases(postgres.connectionString);
  } finally {
    await postgres.stop();
  }
  // A clean stop removes them all; this makes sure a template never carries one.
  for (const name of RUNTIME_FILES) rmSync(join(dataDir, name), { force: true });
}

async function dropTemplateDatabases(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const name of DROPPED_DATABASES) {
      // template0 refuses connections and both are templates: neither can be dropped as they are.
      await client.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false IS_TEMPLATE false`);
      await client.query(`DROP DATABASE ${name}`);
    }
    await client.query("CHECKPOINT");
  } finally {
    await client.end();
  }
}
