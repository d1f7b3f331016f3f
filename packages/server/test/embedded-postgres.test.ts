import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { FolderInUseError } from "../src/db/folder-lock.js";
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

describe("startEmbeddedPostgres on a thread of its own", () => {
  const threadDir = mkdtempSync(join(tmpdir(), "open-chat-pglite-thread-"));
  afterAll(() => rmSync(threadDir, { recursive: true, force: true }));

  it("serves the folder from its thread, holds the folder's lock while it runs and keeps the data", async () => {
    const first = await startEmbeddedPostgres({ dataDir: threadDir, thread: true });
    try {
      await expect(startEmbeddedPostgres({ dataDir: threadDir, thread: true })).rejects.toBeInstanceOf(FolderInUseError);
      const db = createDb({ connectionString: first.connectionString, max: 1 });
      try {
        await applyMigrations(db.pool);
        await db.prisma.tenant.create({ data: { id: "threaded", name: "On a thread" } });
      } finally {
        await db.close();
      }
    } finally {
      await first.stop();
    }
    // Stopped: the lock is released and PGlite flushed what it was given.
    const second = await startEmbeddedPostgres({ dataDir: threadDir });
    try {
      const db = createDb({ connectionString: second.connectionString, max: 1 });
      try {
        expect(await db.prisma.tenant.findUnique({ where: { id: "threaded" }, select: { name: true } })).toEqual({ name: "On a thread" });
      } finally {
        await db.close();
      }
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("rejects with the thread's error when the server cannot start, and releases the folder", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startEmbeddedPostgres({ dataDir: threadDir, port, thread: true })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      taken.close();
    }
    const again = await startEmbeddedPostgres({ dataDir: threadDir, thread: true });
    await again.stop();
  }, 60_000);
});
