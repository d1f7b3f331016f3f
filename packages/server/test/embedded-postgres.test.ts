import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.js";
import { PGLITE_SOCKET_FILE, startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { FolderInUseError } from "../src/db/folder-lock.js";
import { applyMigrations } from "../src/db/migrate.js";

const dataDir = mkdtempSync(join(tmpdir(), "open-chat-pglite-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("startEmbeddedPostgres", () => {
  it("serves a migrated database to Prisma and keeps its data across restarts", async () => {
    // Initialised by initdb (no template): every migration is applied here.
    const first = await startEmbeddedPostgres({ dataDir, template: false });
    try {
      // The folder's Unix socket, not a loopback port every local user could reach.
      expect(first.connectionString).toBe(`postgres://postgres@localhost/postgres?host=${encodeURIComponent(dataDir)}`);
      const socket = statSync(join(dataDir, PGLITE_SOCKET_FILE));
      expect({ socket: socket.isSocket(), mode: (socket.mode & 0o777).toString(8) }).toEqual({ socket: true, mode: "600" });
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

describe("startEmbeddedPostgres's socket", () => {
  const root = mkdtempSync(join(tmpdir(), "open-chat-pglite-socket-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A process listens on `path` and is killed with SIGKILL, leaving the socket file behind. */
  async function listenAndDie(path: string): Promise<void> {
    const child = spawn(process.execPath, ["-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = once(child, "exit");
    await once(child.stdout, "data");
    child.kill("SIGKILL");
    await exited;
  }

  async function tenantCount(connectionString: string): Promise<number> {
    const db = createDb({ connectionString, max: 1 });
    try {
      return await db.prisma.tenant.count();
    } finally {
      await db.close();
    }
  }

  it("removes its socket file when it stops, and starts over one a killed process left behind", async () => {
    const dir = join(root, "left-behind");
    const first = await startEmbeddedPostgres({ dataDir: dir });
    await first.stop();
    expect(existsSync(join(dir, PGLITE_SOCKET_FILE))).toBe(false);
    // What kill -9 leaves: a socket file nobody listens on any more.
    await listenAndDie(join(dir, PGLITE_SOCKET_FILE));
    expect(statSync(join(dir, PGLITE_SOCKET_FILE)).isSocket()).toBe(true);
    const second = await startEmbeddedPostgres({ dataDir: dir });
    try {
      expect(await tenantCount(second.connectionString)).toBe(1);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("listens on a loopback port when the folder's socket path is too long for the system", async () => {
    const dir = join(root, "x".repeat(100));
    mkdirSync(dir);
    const pgEmbedded = await startEmbeddedPostgres({ dataDir: dir });
    try {
      expect(pgEmbedded.connectionString).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(existsSync(join(dir, PGLITE_SOCKET_FILE))).toBe(false);
      expect(await tenantCount(pgEmbedded.connectionString)).toBe(1);
    } finally {
      await pgEmbedded.stop();
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
