/**
 * A fresh embedded database starts from a PGlite template (a migrated data folder, what
 * `pnpm build` ships as dist/pglite-template/) instead of initdb: it opens already migrated,
 * keeps what is written to it, and a template that cannot be opened falls back to initdb
 * without losing the start.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGLITE_SHARED_BUFFERS, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { LOCK_FILE } from "../src/db/folder-lock.js";
import { applyMigrations, readMigrations } from "../src/db/migrate.js";
import { buildPgliteTemplate } from "../src/db/pglite-template-build.js";

const root = mkdtempSync(join(tmpdir(), "open-chat-pglite-template-"));
const template = join(root, "template");
afterAll(() => rmSync(root, { recursive: true, force: true }));

// What scripts/pglite-template.ts does: initdb, every migration, template0/1 dropped, a clean shutdown.
beforeAll(() => buildPgliteTemplate(template), 120_000);

async function one<R>(connectionString: string, sql: string): Promise<R> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0] as R;
  } finally {
    await client.end();
  }
}

async function tenantIds(connectionString: string): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<{ id: string }>(`SELECT id FROM tenant ORDER BY id`)).rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres from a template", () => {
  it("opens a fresh folder already migrated; what is written stays across restarts", async () => {
    const dataDir = join(root, "fresh");
    const first = await startEmbeddedPostgres({ dataDir, template });
    try {
      expect(await applyMigrations({ connectionString: first.connectionString })).toEqual({ applied: [] });
      const client = new pg.Client({ connectionString: first.connectionString });
      await client.connect();
      await client.query(`INSERT INTO tenant (id, name, "updatedAt") VALUES ('acme', 'Acme', now())`);
      await client.end();
    } finally {
      await first.stop();
    }
    // An existing folder is opened as is: the template is not loaded over it.
    const second = await startEmbeddedPostgres({ dataDir, template });
    try {
      expect(await tenantIds(second.connectionString)).toContain("acme");
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("holds the one database the server uses: initdb's template databases are not copied into every fresh folder", async () => {
    const pgEmbedded = await startEmbeddedPostgres({ dataDir: join(root, "databases"), template });
    try {
      expect(await one(pgEmbedded.connectionString, "SELECT string_agg(datname, ',' ORDER BY datname) AS names FROM pg_database")).toEqual({ names: "postgres" });
    } finally {
      await pgEmbedded.stop();
    }
  }, 60_000);

  it("starts with a small buffer cache whatever the folder's postgresql.conf says (initdb writes 128MB)", async () => {
    expect(readFileSync(join(template, "postgresql.conf"), "utf8")).toMatch(/^shared_buffers = 128MB/m);
    const dataDir = join(root, "buffers");
    for (const start of ["fresh", "existing"]) {
      const pgEmbedded = await startEmbeddedPostgres({ dataDir, template });
      try {
        expect({ start, ...(await one<{ shared_buffers: string }>(pgEmbedded.connectionString, "SHOW shared_buffers")) }).toEqual({ start, shared_buffers: PGLITE_SHARED_BUFFERS });
      } finally {
        await pgEmbedded.stop();
      }
    }
  }, 60_000);

  it("leaves a lock or pid file a template holds behind, keeping the new folder's own lock", async () => {
    const stray = join(root, "stray");
    cpSync(template, stray, { recursive: true });
    writeFileSync(join(stray, LOCK_FILE), JSON.stringify({ pid: 1 }) + "\n");
    writeFileSync(join(stray, "postmaster.pid"), "1\n");
    const dataDir = join(root, "from-stray");
    const pgEmbedded = await startEmbeddedPostgres({ dataDir, template: stray });
    try {
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), "utf8"))).toEqual({ pid: process.pid });
      expect(await tenantIds(pgEmbedded.connectionString)).toEqual(["default"]);
    } finally {
      await pgEmbedded.stop();
    }
  }, 60_000);

  it("falls back to initdb when the template cannot be opened", async () => {
    const broken = join(root, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "PG_VERSION"), "18\n"); // and nothing else: Postgres refuses it
    const dataDir = join(root, "fallback");
    const pgEmbedded = await startEmbeddedPostgres({ dataDir, template: broken });
    try {
      const { applied } = await applyMigrations({ connectionString: pgEmbedded.connectionString });
      expect(applied).toEqual(readMigrations().map((m) => m.name));
      expect(await tenantIds(pgEmbedded.connectionString)).toEqual(["default"]);
    } finally {
      await pgEmbedded.stop();
    }
  }, 120_000);
});
