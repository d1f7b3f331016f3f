/**
 * The embedded streams tier: `@prisma/streams-local` running inside this Node (>= 22) process,
 * with its SQLite data in a project-local folder instead of the user data directory.
 *
 * ```ts
 * const streams = await startEmbeddedStreams({ dataDir: ".data/streams" });
 * const client = createStreamsClient({ baseUrl: streams.url });
 * // ...
 * await streams.close();
 * ```
 *
 * How it is configured (streams-local 0.1.11 takes only `{ name, hostname, port }` as options;
 * everything else is read from `process.env` while it starts):
 * - Data folder: `DS_LOCAL_DATA_ROOT`. The server keeps `<dataDir>/<name>/durable-streams.sqlite`
 *   (+ `server.lock`, `server.json`). Without it the data would go to the user data dir
 *   (`env-paths("prisma-dev")/durable-streams/<name>`).
 * - Ingest: `DS_INGEST_FLUSH_MS` is honoured (default 10 ms upstream; we default to 1 ms, measured
 *   ~3x faster acks). `DS_INGEST_CONCURRENCY` is IGNORED by streams-local: its fixed 1024 MB
 *   auto-tune preset pins the ingest gate to 2, so we do not pass it.
 * We set those variables only for the duration of the start call (starts are serialised in this
 * process) and restore the previous values afterwards (process-env.ts, the only writer of
 * `process.env` in the server).
 *
 * One server per data folder: streams-local holds a lock (`server.lock.lock`, `proper-lockfile`)
 * for as long as it runs, so a second start on the same folder fails until `close()`. A lock left
 * behind by a process that died without releasing it (kill -9; upstream would refuse for 30 s) is
 * taken over when `server.json` names a process that no longer exists — once the lock is a
 * second old (a younger one may be a start in progress; a start waits that long for it).
 *
 * With `thread: true` streams-local runs on a worker thread of its own (threads/host.ts says
 * why), its environment variables set in that thread's copy of `process.env`.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { withProcessEnv } from "./process-env.js";
import { processExists } from "../../process-alive.js";
import { startOnThread, threadEntry } from "../../threads/host.js";

export interface EmbeddedStreamsOptions {
  /** Folder that holds the data (created if missing), e.g. `.data/streams`. Relative to the cwd. */
  dataDir: string;
  /** Server name, the sub-folder of `dataDir` (`[A-Za-z0-9._-]+`). Default `"default"`. */
  name?: string;
  /** Default `"127.0.0.1"`. */
  hostname?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Group-commit window of the ingest queue. Default: `DS_INGEST_FLUSH_MS` from the environment, else 1. */
  ingestFlushMs?: number;
  /** Runs streams-local on a worker thread of its own instead of this thread's event loop. Default false. */
  thread?: boolean;
}

export interface EmbeddedStreams {
  /** Base URL for {@link createStreamsClient}, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The SQLite file holding every stream. */
  readonly sqlitePath: string;
  /** Stops the HTTP server, closes SQLite and releases the folder lock. Idempotent. */
  close(): Promise<void>;
}

/** Starts are serialised: the configuration goes through process-wide environment variables. */
let startQueue: Promise<unknown> = Promise.resolve();

export function startEmbeddedStreams(options: EmbeddedStreamsOptions): Promise<EmbeddedStreams> {
  if (options.thread) return startOnItsThread(options);
  const run = startQueue.then(() => startNow(options));
  startQueue = run.catch(() => undefined);
  return run;
}

async function startNow(options: EmbeddedStreamsOptions): Promise<EmbeddedStreams> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const flushMs = options.ingestFlushMs ?? envNumber("DS_INGEST_FLUSH_MS") ?? 1;
  if (!(flushMs >= 0)) throw new RangeError(`ingestFlushMs must be >= 0, got ${flushMs}`);

  const name = options.name ?? "default";
  // Loaded here, not at the top: a host that runs it on a thread (startOnItsThread) would
  // otherwise load streams-local and its JSON-schema compiler on the main thread as well
  // (~0.25 s of CPU at start-up, on a core the two threads need).
  const { startLocalDurableStreamsServer } = await import("@prisma/streams-local");
  const start = () =>
    withProcessEnv({ DS_LOCAL_DATA_ROOT: dataDir, DS_INGEST_FLUSH_MS: String(flushMs) }, () =>
      startLocalDurableStreamsServer({ name, hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0 }),
    );
  const server = await startOrTakeOver(start, join(dataDir, name));
  let closing: Promise<void> | null = null;
  return {
    url: server.exports.http.url,
    sqlitePath: server.exports.sqlite.path,
    close: () => (closing ??= server.close()),
  };
}

/**
 * `start()`; when the folder's lock is held by a process that died without releasing it (kill -9,
 * a crash), the folder is taken over — once the lock is old enough not to be a start in progress.
 */
async function startOrTakeOver<S>(start: () => Promise<S>, serverDir: string): Promise<S> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if ((error as { code?: string }).code !== "ELOCKED") throw error;
      const holder = lockHolder(serverDir);
      if (holder.stale) {
        rmSync(holder.lockDir, { recursive: true, force: true });
        return start();
      }
      if (holder.staleInMs !== undefined && attempt === 0) {
        // Its owner is dead but the lock too young to tell from one a start is taking right now:
        // wait until it is not (under a second) instead of refusing a restart right after a crash.
        await new Promise((resolve) => setTimeout(resolve, holder.staleInMs));
        continue;
      }
      throw new Error(`streams data folder ${serverDir} is in use` + (holder.pid ? ` by process ${holder.pid}${holder.url ? ` (${holder.url})` : ""}` : ""), { cause: error });
    }
  }
}

/** What the worker thread (embedded-streams-thread.ts) hands back. */
export interface EmbeddedStreamsOnThread {
  url: string;
  sqlitePath: string;
}

async function startOnItsThread({ thread: _, ...options }: EmbeddedStreamsOptions): Promise<EmbeddedStreams> {
  const served = await startOnThread<EmbeddedStreamsOnThread>(threadEntry(import.meta.url, "embedded-streams-thread"), options, "embedded streams");
  return { ...served.value, close: served.stop };
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new RangeError(`invalid ${name}: ${raw}`);
  return n;
}

/**
 * Who holds the folder's lock, from streams-local's own `server.json` dump; `staleInMs` when the
 * holder is dead but its lock younger than {@link YOUNG_LOCK_MS}.
 */
function lockHolder(serverDir: string): { stale: boolean; staleInMs?: number; lockDir: string; pid?: number; url?: string } {
  const lockDir = join(serverDir, "server.lock.lock");
  let pid: number | undefined;
  let url: string | undefined;
  try {
    const dump = JSON.parse(readFileSync(join(serverDir, "server.json"), "utf8")) as { pid?: unknown; http?: { url?: unknown } };
    if (typeof dump.pid === "number") pid = dump.pid;
    if (typeof dump.http?.url === "string") url = dump.http.url;
  } catch {
    return { stale: false, lockDir };
  }
  let lockAgeMs = 0;
  try {
    lockAgeMs = Date.now() - statSync(lockDir).mtimeMs;
  } catch {
    return { stale: false, lockDir, ...(pid ? { pid } : {}), ...(url ? { url } : {}) };
  }
  // A lock younger than a second may belong to a start in progress that has not written server.json yet.
  const dead = pid !== undefined && pid !== process.pid && !processExists(pid);
  const stale = dead && lockAgeMs > YOUNG_LOCK_MS;
  // A clock that puts the lock's time in the future waits no longer than a fresh lock would.
  const staleInMs = dead && !stale ? Math.min(YOUNG_LOCK_MS, YOUNG_LOCK_MS - lockAgeMs) + 50 : undefined;
  return { stale, ...(staleInMs !== undefined ? { staleInMs } : {}), lockDir, ...(pid ? { pid } : {}), ...(url ? { url } : {}) };
}

/** A lock this young may be a start in progress (server.json still names the previous owner). */
const YOUNG_LOCK_MS = 1_000;
