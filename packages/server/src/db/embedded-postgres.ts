/**
 * An in-process Postgres for the one-command demo (used when DATABASE_URL is unset):
 * PGlite (Postgres compiled to WebAssembly) persisted in `dataDir`, served over the Postgres
 * wire protocol by `@electric-sql/pglite-socket`, so Prisma, `pg` and {@link applyMigrations}
 * talk to it exactly as to a real server.
 *
 * It listens on a Unix socket in `dataDir` (`.s.PGSQL.5432`, where `pg` looks for it given the
 * folder as `host`) rather than on a TCP port: the database has no password, and only the
 * socket file's owner may connect to it (mode 0600), where a loopback port is open to every local
 * user; a query's round trip costs ~30 % less CPU (349 against 486 µs, client and PGlite in one
 * process); and the connection string is known before anything listens. A folder
 * whose socket path is too long for the system (over 103 bytes) gets a loopback port instead, as
 * does an explicit `port`.
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
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { startOnThread, threadEntry } from "../threads/host.js";
import type { ThreadedService } from "../threads/protocol.js";
import { LOCK_FILE, lockFolder } from "./folder-lock.js";
import { findPgliteTemplate } from "./pglite-template.js";

export interface EmbeddedPostgresOptions {
  /** Where the database files live; created if missing, reused when it exists. */
  dataDir: string;
  /**
   * Listen on this TCP port of 127.0.0.1 instead of the folder's Unix socket (0: any free port;
   * read it from `connectionString`). Default: the Unix socket, or any free port when its path
   * would be too long.
   */
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
  /** `postgres://postgres@localhost/postgres?host=<dataDir>` (the Unix socket) or `postgres://postgres@127.0.0.1:<port>/postgres` */
  connectionString: string;
  /** Stops accepting connections, drops open ones and closes PGlite (flushing to disk). */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/** What the worker thread (embedded-postgres-thread.ts) is started with: everything but `thread`, resolved. */
export type PgliteServeOptions = Required<Omit<EmbeddedPostgresOptions, "thread" | "template" | "port">> & {
  template: string | false | undefined;
  /** The TCP port, or undefined for the folder's Unix socket. */
  port: number | undefined;
};

/** The socket file's name in the folder: what `pg` connects to when `host` is the folder (and the port 5432). */
export const PGLITE_SOCKET_FILE = ".s.PGSQL.5432";

/**
 * What a running (or killed) embedded database leaves in its folder besides the data: the
 * folder's lock, Postgres' pid file, the socket. A template must not carry them into a new folder.
 */
export const RUNTIME_FILES = [LOCK_FILE, "postmaster.pid", PGLITE_SOCKET_FILE] as const;

// sun_path holds 104 bytes on macOS and 108 on Linux, the terminating NUL included.
const MAX_SOCKET_PATH_BYTES = 103;

export async function startEmbeddedPostgres({
  dataDir,
  port,
  maxConnections = 32,
  template = findPgliteTemplate(),
  thread = false,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const lock = lockFolder(dataDir);
  const folder = resolve(dataDir);
  const socketFits = Buffer.byteLength(join(folder, PGLITE_SOCKET_FILE)) <= MAX_SOCKET_PATH_BYTES;
  const options: PgliteServeOptions = { dataDir: folder, port: port ?? (socketFits ? undefined : 0), maxConnections, template };
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
  const socketPath = join(dataDir, PGLITE_SOCKET_FILE);
  // Under the folder's lock a socket file can only be left over from a process that died (a
  // clean stop removes it); listening would fail on it.
  if (port === undefined) rmSync(socketPath, { force: true });
  const server = new PGLiteSocketServer({ db, maxConnections, ...(port === undefined ? { path: socketPath } : { host: HOST, port }) });
  try {
    await server.start();
    if (port === undefined) chmodSync(socketPath, 0o600); // whatever the umask: no other local user
  } catch (error) {
    await server.stop().catch(() => undefined);
    await db.close();
    throw error;
  }
  return {
    // After start() getServerConn() is "127.0.0.1:<actual port>" on TCP.
    value: port === undefined ? `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dataDir)}` : `postgres://postgres@${HOST}:${Number(server.getServerConn().split(":").at(-1))}/postgres`,
    async stop() {
      try {
        await server.stop(); // the socket file goes with it
      } finally {
        await db.close();
      }
    },
  };
}

/**
 * Postgres' buffer cache, set at every start (a `-c` flag outranks the folder's
 * postgresql.conf, so existing folders get it too). initdb writes 128 MB, and PGlite's Postgres
 * zeroes all of it in WebAssembly memory as it starts: ~0.6–1.0 s of a start on a 2-core EPYC
 * (0.2–0.3 s with 16–32 MB), and 128 MB of the process's resident memory for as long as it
 * runs. An embedded database of a demo or a single site is a few MB; 32 MB holds it whole.
 */
export const PGLITE_SHARED_BUFFERS = "32MB";

const START_PARAMS = [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`];

const open = (dataDir: string) => PGlite.create({ dataDir, startParams: START_PARAMS });

/** An existing folder opens as is; a fresh one starts as a copy of the template when there is one (initdb if that fails). */
async function openPglite(dataDir: string, template: string | false | undefined): Promise<PGlite> {
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (!fresh || !template) return open(dataDir);
  try {
    copyTemplate(template, dataDir);
    return await open(dataDir);
  } catch (error) {
    console.error(`open-chat: the PGlite template ${template} did not open (${(error as Error).message}); initialising the database instead`);
    for (const entry of readdirSync(dataDir)) if (entry !== LOCK_FILE) rmSync(join(dataDir, entry), { recursive: true, force: true });
    return open(dataDir);
  }
}

/**
 * The template's files beside the folder's lock file. A copy with a filter goes file by file
 * through JavaScript (0.5 s for ~1,000 files); without one Node copies the tree natively (0.33 s),
 * so the filter is there only for a template that holds a lock, pid or socket file (the build's
 * never does).
 */
function copyTemplate(template: string, dataDir: string): void {
  if (!RUNTIME_FILES.some((name) => existsSync(join(template, name)))) return cpSync(template, dataDir, { recursive: true });
  cpSync(template, dataDir, { recursive: true, filter: (source) => !RUNTIME_FILES.some((name) => source.endsWith(name)) });
}
