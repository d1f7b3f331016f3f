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
}

export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  connectionString: string;
  /** Stops accepting connections, drops open ones and closes PGlite (flushing to disk). */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

export async function startEmbeddedPostgres({
  dataDir,
  port = 0,
  maxConnections = 32,
  template = findPgliteTemplate(),
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockFolder(dataDir);
  let db: PGlite;
  try {
    db = await openPglite(dataDir, template);
  } catch (error) {
    lock.release();
    throw error;
  }
  const server = new PGLiteSocketServer({ db, host: HOST, port, maxConnections });
  try {
    await server.start();
  } catch (error) {
    await db.close().finally(() => lock.release());
    throw error;
  }
  // After start() this is "127.0.0.1:<actual port>".
  const boundPort = Number(server.getServerConn().split(":").at(-1));
  let stopping: Promise<void> | undefined;
  return {
    connectionString: `postgres://postgres@${HOST}:${boundPort}/postgres`,
    stop() {
      stopping ??= (async () => {
        try {
          await server.stop();
        } finally {
          await db.close().finally(() => lock.release());
        }
      })();
      return stopping;
    },
  };
}

/** An existing folder opens as is; a fresh one starts as a copy of the template when there is one (initdb if that fails). */
async function openPglite(dataDir: string, template: string | false | undefined): Promise<PGlite> {
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (!fresh || !template) return PGlite.create({ dataDir });
  try {
    // The lock file stays: the copy only adds the template's files beside it.
    cpSync(template, dataDir, { recursive: true, filter: (source) => !source.endsWith(LOCK_FILE) && !source.endsWith("postmaster.pid") });
    return await PGlite.create({ dataDir });
  } catch (error) {
    console.error(`open-chat: the PGlite template ${template} did not open (${(error as Error).message}); initialising the database instead`);
    for (const entry of readdirSync(dataDir)) if (entry !== LOCK_FILE) rmSync(join(dataDir, entry), { recursive: true, force: true });
    return PGlite.create({ dataDir });
  }
}
