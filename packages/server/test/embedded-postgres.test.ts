import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { applyMigrations } from "../src/db/migrate.js";

const dataDir = mkdtempSync(join(tmpdir(), "open-chat-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("startEmbeddedPostgres", () => {
  it("serves a migrated database to Prisma and keeps its data across restarts", async () => {
    // Initialised by initdb (no template): every migration is applied here.
    const first = await startEmbeddedPostgres({ dataDir, template: false });
    try {
      expect(first.connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      const db = createDb({ connectionString: first.connectionString, max: 4 });
      try {
        expect((await applyMigrations(db.pool)).applied).toEqual([expect.stringMatching(/_init$/), expect.stringMatching(/_generation_fencing$/), expect.stringMatching(/_chat_idempotency_key$/), expect.stringMatching(/_stream_incarnation$/), expect.stringMatching(/_tenancy$/), expect.stringMatching(/_tenant_limits$/), expect.stringMatching(/_billing$/), expect.stringMatching(/_message_feedback$/), expect.stringMatching(/_feedback_log_stream$/)]);
        expect(await db.prisma.tenant.count()).toBe(1);
        // Several connections at once (pool + migrations + a transaction) must not deadlock.
        const [, tenants] = await Promise.all([
          db.prisma.tenant.create({ data: { id: "acme", name: "Acme" } }),
          db.prisma.$transaction([db.prisma.tenant.findMany(), db.prisma.chat.count()]),
          applyMigrations({ connectionString: first.connectionString }),
        ]);
        expect(Array.isArray(tenants)).toBe(true);
      } finally {
        await db.close();
      }
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      const db = createDb({ connectionString: second.connectionString });
      try {
        expect(await applyMigrations({ connectionString: second.connectionString })).toEqual({ applied: [] });
        const tenants = await db.prisma.tenant.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true } });
        expect(tenants).toEqual([
          { id: "acme", name: "Acme" },
          { id: "default", name: "Default" },
        ]);
      } finally {
        await db.close();
      }
    } finally {
      await second.stop();
    }
  }, 60_000);
});
