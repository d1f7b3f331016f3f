/**
 * The production streams tier: `@prisma/streams-server` (TypeScript, Bun only) as a child
 * process with API-key auth. Tests start it the same way production does (see `serve.ts`).
 *
 * ```ts
 * const streams = await startStreamsServerProcess({ dataDir: ".data/streams-server" });
 * const client = createStreamsClient({ baseUrl: streams.url, apiKey: streams.apiKey });
 * // ...
 * await streams.stop();
 * ```
 *
 * Runs `bun -e <wrapper> <@prisma/streams-server>/src/server.ts --object-store local|r2
 * --auth-strategy api-key` with `API_KEY`, `DS_ROOT`, `PORT`, `DS_HOST`. Bun comes from the `bun`
 * npm package (resolved from this module, not the cwd). We wait for the server's own
 * `listening on host:port` log line (with `port: 0` that is where the port comes from), then until
 * the port answers this start's nonce and `GET /health`.
 *
 * The child never outlives this process: its stdin is a pipe we hold open, and the wrapper
 * (`bun-wrapper.ts`) shuts the server down when the pipe reaches end-of-file, which the kernel
 * causes when we die, even by SIGKILL. A port already held by another process (say an orphan of an
 * older version) fails the start with "port P is already in use by another process".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { STREAMS_HEALTH_PATH } from "../client/wire.js";
import { STREAMS_BUN_WRAPPER, STREAMS_INSTANCE_ENV, STREAMS_INSTANCE_PATH } from "./bun-wrapper.js";

export type StreamsObjectStore = "local" | "r2";

export interface StreamsServerProcessOptions {
  /** `DS_ROOT`: the server's SQLite WAL and caches (created if missing). */
  dataDir: string;
  /** Default 0: a free port, read back from the server's log. */
  port?: number;
  /** `DS_HOST`. Default `"127.0.0.1"`. */
  host?: string;
  /** `API_KEY` (>= 10 characters). Default: 32 random bytes, hex. */
  apiKey?: string;
  /**
   * `"local"` keeps sealed segments in memory (not durable once evicted: dev/test only);
   * `"r2"` uploads to R2/S3 via the `DURABLE_STREAMS_R2_*` variables in `env`. Default `"local"`.
   */
  objectStore?: StreamsObjectStore;
  /** Pass `--bootstrap-from-r2` (rebuilds from the bucket and DELETES the local WAL). Default false. */
  bootstrapFromR2?: boolean;
  /**
   * Extra environment (`DS_*`, `DURABLE_STREAMS_R2_*`, ...). Applied over the inherited
   * environment and over our defaults `DS_INGEST_CONCURRENCY=64`, `DS_INGEST_FLUSH_MS=1`
   * (+ `DS_OBJECTSTORE_TIMEOUT_MS=1000` with the `local` object store, see below).
   */
  env?: Record<string, string | undefined>;
  /** Inherit this process's environment. Default true. */
  inheritEnv?: boolean;
  /** How long to wait for the server to answer HTTP. Default 30 000 ms. */
  startTimeoutMs?: number;
  /** Bun executable. Default: the `bun` npm package's binary, else `bun` on PATH. */
  bunPath?: string;
  /** Receives every log line of the server. Default: none (the last lines are kept for errors). */
  onLog?: (line: string, source: "stdout" | "stderr") => void;
}

export interface StreamsServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StreamsServerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly apiKey: string;
  readonly pid: number;
  /** Milliseconds from spawn until the server answered HTTP. */
  readonly startMs: number;
  /** Resolves when the process has exited (for whatever reason). */
  readonly exited: Promise<StreamsServerExit>;
  /** SIGTERM, then waits for the exit; SIGKILL after `timeoutMs` (default 15 000). */
  stop(options?: { timeoutMs?: number }): Promise<StreamsServerExit>;
  /** SIGKILL (a crash) and waits for the exit. */
  kill(): Promise<StreamsServerExit>;
  /** The last log lines (stdout and stderr), for diagnostics. */
  recentOutput(): string;
}

/** Defaults measured on this tier: 752 appends/s sequential instead of 98 (ENVIRONMENT.md). */
export const STREAMS_SERVER_DEFAULT_ENV: Readonly<Record<string, string>> = {
  DS_INGEST_CONCURRENCY: "64",
  DS_INGEST_FLUSH_MS: "1",
};

/**
 * Workaround for streams-server 0.1.11: its object-store `withTimeout` never clears its timer, so
 * after SIGTERM the process lingers until the last one fires (`DS_OBJECTSTORE_TIMEOUT_MS`, 5 s).
 * The in-memory `local` store answers instantly, so a 1 s timeout costs nothing there and makes a
 * graceful stop take ~1 s instead of ~5 s. R2 keeps the upstream default.
 */
const LOCAL_STORE_DEFAULT_ENV: Readonly<Record<string, string>> = { DS_OBJECTSTORE_TIMEOUT_MS: "1000" };

const MIN_API_KEY_LENGTH = 10;
const KEPT_LOG_LINES = 200;
const LISTENING = /listening on (?:\[([^\]]+)\]|([^\s:]+)):(\d+)/;
/** How Bun reports a taken port (`EADDRINUSE`, "Is port N in use?"). */
const ADDRESS_IN_USE = /EADDRINUSE|address already in use|is port \d+ in use/i;

const require = createRequire(import.meta.url);

/** Path of `@prisma/streams-server`'s entry (`src/server.ts`). */
export function resolveStreamsServerEntry(): string {
  return join(dirname(require.resolve("@prisma/streams-server/package.json")), "src", "server.ts");
}

/** The `bun` npm package's binary, or `"bun"` (PATH) when the package is not installed. */
export function resolveBunExecutable(): string {
  try {
    const pkgPath = require.resolve("bun/package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { bin?: Record<string, string> | string };
    const rel = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.bun;
    if (rel) {
      const bin = join(dirname(pkgPath), rel);
      if (existsSync(bin)) return bin;
    }
  } catch {
    // fall through to PATH
  }
  return "bun";
}

export async function startStreamsServerProcess(options: StreamsServerProcessOptions): Promise<StreamsServerProcess> {
  const apiKey = options.apiKey ?? randomBytes(32).toString("hex");
  if (apiKey.length < MIN_API_KEY_LENGTH) {
    throw new RangeError(`streams-server API key must have at least ${MIN_API_KEY_LENGTH} characters`);
  }
  const host = options.host ?? "127.0.0.1";
  const objectStore = options.objectStore ?? "local";
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const env: Record<string, string> = {};
  const defaults = objectStore === "local" ? { ...STREAMS_SERVER_DEFAULT_ENV, ...LOCAL_STORE_DEFAULT_ENV } : STREAMS_SERVER_DEFAULT_ENV;
  const layers = [defaults, options.inheritEnv === false ? {} : process.env, options.env ?? {}];
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) if (value !== undefined) env[name] = value;
  }
  const instance = randomBytes(16).toString("hex");
  Object.assign(env, { API_KEY: apiKey, DS_ROOT: dataDir, PORT: String(options.port ?? 0), DS_HOST: host, [STREAMS_INSTANCE_ENV]: instance });

  const args = ["-e", STREAMS_BUN_WRAPPER, resolveStreamsServerEntry(), "--object-store", objectStore, "--auth-strategy", "api-key"];
  if (options.bootstrapFromR2) args.push("--bootstrap-from-r2");

  const started = performance.now();
  const child = spawn(options.bunPath ?? resolveBunExecutable(), args, {
    env,
    cwd: dataDir,
    // stdin: the parent-death pipe (see bun-wrapper.ts). Never written to, never closed by us:
    // it reaches end-of-file only when this process is gone.
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin!.on("error", () => undefined);

  // Never leave an orphan behind when this process exits.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const lines: string[] = [];
  let announcedPort: number | null = null;
  let onPort: (() => void) | null = null;
  const collect = (source: "stdout" | "stderr") => (line: string) => {
    lines.push(source === "stderr" ? `[stderr] ${line}` : line);
    if (lines.length > KEPT_LOG_LINES) lines.shift();
    if (announcedPort === null) {
      const m = LISTENING.exec(line);
      if (m) {
        announcedPort = Number(m[3]);
        onPort?.();
      }
    }
    options.onLog?.(line, source);
  };
  createInterface({ input: child.stdout! }).on("line", collect("stdout"));
  createInterface({ input: child.stderr! }).on("line", collect("stderr"));
  const recentOutput = () => lines.join("\n");

  const exited = new Promise<StreamsServerExit>((resolveExit) => {
    // "close" (not "exit"): every log line has been read by then, so errors can quote them.
    child.once("close", (code, signal) => {
      process.removeListener("exit", killOnExit);
      resolveExit({ code, signal });
    });
  });
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  spawnError.catch(() => undefined);

  const fail = async (reason: string): Promise<never> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    const output = recentOutput();
    throw new Error(
      `streams-server did not start: ${reason}` + (output ? `\n--- streams-server output ---\n${output}` : ""),
    );
  };

  const deadline = Date.now() + startTimeoutMs;
  const portInUse = (port: number | undefined) =>
    new Error(`port ${port ?? "?"} is already in use by another process (${host}); stop it or choose another port`);
  const exitedEarly = exited.then((e) =>
    Promise.reject(
      ADDRESS_IN_USE.test(recentOutput()) ? portInUse(options.port) : new Error(`exited with ${e.signal ?? `code ${e.code}`}`),
    ),
  );
  exitedEarly.catch(() => undefined);
  let url: string;
  try {
    // Always the child's own "listening" line, also with a fixed port: it is printed only once
    // the child holds the socket, so nothing else answering on that port can pass for it.
    const port = await Promise.race([
      new Promise<number>((resolvePort) => {
        if (announcedPort !== null) return resolvePort(announcedPort);
        onPort = () => resolvePort(announcedPort!);
      }),
      exitedEarly,
      spawnError,
      timeout(deadline, `no "listening" line within ${startTimeoutMs} ms`),
    ]);
    const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
    url = `http://${urlHost}:${port}`;
    await Promise.race([
      waitForInstance(url, apiKey, instance, deadline).then((ours) => {
        if (!ours) throw portInUse(port);
      }),
      exitedEarly,
    ]);
    await Promise.race([waitForHttp(url, apiKey, deadline), exitedEarly]);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }

  const startMs = performance.now() - started;
  const signalAndWait = async (signal: NodeJS.Signals): Promise<StreamsServerExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return {
    url,
    apiKey,
    pid: child.pid!,
    exited,
    async stop({ timeoutMs = 15_000 } = {}) {
      const graceful = signalAndWait("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), timeoutMs)));
      const first = await Promise.race([graceful, late]);
      clearTimeout(timer);
      return first === "late" ? signalAndWait("SIGKILL") : first;
    },
    kill: () => signalAndWait("SIGKILL"),
    recentOutput,
    startMs,
  };
}

function timeout(deadline: number, message: string): Promise<never> {
  return new Promise((_, reject) => {
    const t = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()));
    t.unref();
  });
}

/**
 * Polls `GET STREAMS_INSTANCE_PATH` (with the API key) until the port answers. True when the
 * answer is `instance` (our child), false when something else answers (another process holds the
 * port). Connection errors are retried until the deadline.
 */
async function waitForInstance(url: string, apiKey: string, instance: string, deadline: number): Promise<boolean> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url + STREAMS_INSTANCE_PATH, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: AbortSignal.timeout(Math.max(1, Math.min(2_000, deadline - Date.now()))),
      });
      const body = await res.text().catch(() => "");
      return res.ok && body === instance;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer from ${url} before the deadline: ${lastError instanceof Error ? lastError.message : lastError}`);
}

/** Polls `GET /health` (with the API key) until the server answers, or the deadline passes. */
async function waitForHttp(url: string, apiKey: string, deadline: number): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url + STREAMS_HEALTH_PATH, {
        headers: { authorization: `Bearer ${apiKey}` },
        signal: AbortSignal.timeout(Math.max(1, Math.min(2_000, deadline - Date.now()))),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      lastError = new Error(`GET ${STREAMS_HEALTH_PATH} answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no answer from ${url} before the deadline: ${lastError instanceof Error ? lastError.message : lastError}`);
}
