/**
 * An in-process Postgres for the one-command demo (used when DATABASE_URL is unset):
 * PGlite (Postgres compiled to WebAssembly) persisted in `dataDir`, served over the Postgres
 * wire protocol on 127.0.0.1 by `@electric-sql/pglite-socket`, so Prisma, `pg` and
 * {@link applyMigrations} talk to it exactly as to a real server.
 *
 * Limits (fine for a demo, not for production): one database (the name in the URL is
 * ignored), one backend session shared by every connection, queries serialised, and an open
 * transaction blocks every other connection until it ends. One process per folder: a second
 * start on a folder in use throws `FolderInUseError` (folder-lock.ts) instead of corrupting it.
 * With `thread: true` PGlite and its socket server run on a worker thread of their own
 * (threads/host.ts says why); the folder lock stays with the calling thread either way.
 *
 * @example
 * const pgEmbedded = await startEmbeddedPostgres({ dataDir: ".data/postgres" });
 * const db = createDb({ connectionString: pgEmbedded.connectionString });
 * // ...
 * await db.close();
 * await pgEmbedded.stop();
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { startOnThread, threadEntry } from "../threads/host.js";
import type { ThreadedService } from "../threads/protocol.js";
import { LOCK_FILE, lockFolder } from "./folder-lock.js";
import { findPgliteTemplate } from "./pglite-template.js";

export interface EmbeddedPostgresOptions {
  /** Where the database files live; created if missing, reused when it exists. */
  dataDir: string;
  /** TCP port on 127.0.0.1. Default 0: any free port (read it from `connectionString`). */
  port?: number;
  /**
   * Concurrent client connections the socket server accepts. Default 32 (the server's own
   * default is 1, which deadlocks a pool). Keep it above the sum of your pools' `max`.
   */
  maxConnections?: number;
  /**
   * A fresh folder starts as a copy of this PGlite data folder (pglite-template.ts) instead of
   * running initdb. Default: the template the build ships, if any; `false`: always initdb.
   */
  template?: string | false;
  /** Runs PGlite on a worker thread of its own instead of this thread's event loop. Default false. */
  thread?: boolean;
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  connectionString: string;
  /** Stops accepting connections, drops open ones and closes PGlite (flushing to disk). */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/** What the worker thread (embedded-postgres-thread.ts) is started with: everything but `thread`, resolved. */
export type PgliteServeOptions = Required<Omit<EmbeddedPostgresOptions, "thread" | "template">> & { template: string | false | undefined };

export async function startEmbeddedPostgres({
  dataDir,
  port = 0,
  maxConnections = 32,
  template = findPgliteTemplate(),
  thread = false,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockFolder(dataDir);
  const options: PgliteServeOptions = { dataDir, port, maxConnections, template };
  let served: ThreadedService<string>;
  try {
    served = thread ? await startOnThread<string>(threadEntry(import.meta.url, "embedded-postgres-thread"), options, "embedded Postgres") : await servePglite(options);
  } catch (error) {
    lock.release();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    connectionString: served.value,
    stop() {
      stopping ??= served.stop().finally(() => lock.release());
      return stopping;
    },
  };
}

/**
 * PGlite on `dataDir` behind its socket server, on whichever thread calls it; the caller holds
 * the folder lock. The value is the connection string.
 */
export async function servePglite({ dataDir, port, maxConnections, template }: PgliteServeOptions): Promise<ThreadedService<string>> {
  const db = await openPglite(dataDir, template);
  const server = new PGLiteSocketServer({ db, host: HOST, port, maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  // After start() this is "127.0.0.1:<actual port>".
  const boundPort = Number(server.getServerConn().split(":").at(-1));
  return {
    value: `postgres://postgres@${HOST}:${boundPort}/postgres`,
    async stop() {
      try {
        await server.stop();
      } finally {
        await db.close();
      }
    },
  };
}

const open = (dataDir: string) => PGlite.create({ dataDir });

/** An existing folder opens as is; a fresh one starts as a copy of the template when there is one (initdb if that fails). */
async function openPglite(dataDir: string, template: string | false | undefined): Promise<PGlite> {
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (!fresh || !template) return open(dataDir);
  try {
    // The lock file stays: the copy only adds the template's files beside it.
    cpSync(template, dataDir, { recursive: true, filter: (source) => !source.endsWith(LOCK_FILE) && !source.endsWith("postmaster.pid") });
    return await open(dataDir);
  } catch (error) {
    console.error(`open-chat: the PGlite template ${template} did not open (${(error as Error).message}); initialising the database instead`);
    for (const entry of readdirSync(dataDir)) if (entry !== LOCK_FILE) rmSync(join(dataDir, entry), { recursive: true, force: true });
    return open(dataDir);
  }
}
