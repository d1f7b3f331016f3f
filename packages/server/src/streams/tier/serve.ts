/**
 * `open-chat streams`: runs the production streams tier (`@prisma/streams-server` under Bun, API-key
 * auth) configured from environment variables, and keeps running until SIGINT/SIGTERM.
 *
 * Environment (every variable optional unless marked):
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `STREAMS_API_KEY` | **required**, >= 10 characters; clients send `Authorization: Bearer <key>` | — |
 * | `STREAMS_PORT` | TCP port (`0` = any free port) | `8080` |
 * | `STREAMS_HOST` | listen address; `0.0.0.0` when the tier runs on its own host/container | `127.0.0.1` |
 * | `STREAMS_DATA_DIR` | local WAL (SQLite) and segment cache | `./.data/streams-server` |
 * | `STREAMS_OBJECT_STORE` | `local` (segments in memory: NOT durable once evicted; dev only) or `r2` (R2/S3) | `local` |
 * | `STREAMS_BOOTSTRAP_FROM_R2` | `auto`: rebuild from the bucket only when the data dir has no WAL yet (a new or wiped disk); `true`/`false` force it. Bootstrapping DELETES the local WAL. | `auto` |
 * | `DURABLE_STREAMS_R2_BUCKET`, `DURABLE_STREAMS_R2_ACCOUNT_ID`, `DURABLE_STREAMS_R2_ACCESS_KEY_ID`, `DURABLE_STREAMS_R2_SECRET_ACCESS_KEY` | required with `r2` | — |
 * | `DURABLE_STREAMS_R2_ENDPOINT`, `DURABLE_STREAMS_R2_REGION` | S3-compatible endpoint (path-style) and region | R2's |
 * | `DS_SEGMENT_MAX_INTERVAL_MS` | seal a stream's tail at least this often, so small chat streams reach object storage | `500` with `r2`, unset with `local` |
 * | `DS_INGEST_CONCURRENCY` | concurrent ingest batches | `64` |
 * | `DS_INGEST_FLUSH_MS` | ingest group-commit window | `1` |
 * | any other `DS_*` | passed through unchanged (e.g. `DS_SEGMENT_CHECK_MS`, `DS_UPLOAD_CHECK_MS`, `DS_METRICS_FLUSH_MS`) | — |
 *
 * Only these variables (plus `PATH`, `HOME`, `TMPDIR`, `TZ`, `LANG`) reach the streams process;
 * the rest of this process's environment (database URLs, payment keys) does not.
 *
 * The Bun child exits when this process dies, however it dies (`kill -9` included: see
 * `bun-wrapper.ts`), and a port held by another process fails the start with "port P is already
 * in use by another process" instead of reporting "listening".
 *
 * Caveats of streams-server 0.1.11 (see ENVIRONMENT.md): the unuploaded tail (up to about one
 * `DS_SEGMENT_MAX_INTERVAL_MS`) is lost with the disk, and offsets may then be reused; run one
 * streams server per bucket.
 *
 * ```ts
 * // src/cli.ts
 * if (command === "streams") await serveStreamsFromEnv(process.env);
 * ```
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  startStreamsServerProcess,
  STREAMS_SERVER_DEFAULT_ENV,
  type StreamsObjectStore,
  type StreamsServerProcess,
  type StreamsServerProcessOptions,
} from "./server-process.js";

type Env = Record<string, string | undefined>;

export const STREAMS_DEFAULT_PORT = 8080;
export const STREAMS_DEFAULT_DATA_DIR = "./.data/streams-server";
/** Sealing interval used with object storage when `DS_SEGMENT_MAX_INTERVAL_MS` is unset. */
export const STREAMS_R2_DEFAULT_SEGMENT_INTERVAL_MS = 500;

const R2_REQUIRED = [
  "DURABLE_STREAMS_R2_BUCKET",
  "DURABLE_STREAMS_R2_ACCOUNT_ID",
  "DURABLE_STREAMS_R2_ACCESS_KEY_ID",
  "DURABLE_STREAMS_R2_SECRET_ACCESS_KEY",
] as const;
const R2_OPTIONAL = ["DURABLE_STREAMS_R2_ENDPOINT", "DURABLE_STREAMS_R2_REGION"] as const;
const BASE_ENV = ["PATH", "HOME", "TMPDIR", "TZ", "LANG"] as const;

/** Maps the documented variables to process options. Throws a readable error on bad config. */
export function streamsOptionsFromEnv(env: Env): StreamsServerProcessOptions {
  const problems: string[] = [];
  const apiKey = env.STREAMS_API_KEY;
  if (!apiKey || apiKey.length < 10) problems.push("STREAMS_API_KEY is required (>= 10 characters)");

  const portRaw = env.STREAMS_PORT?.trim() || String(STREAMS_DEFAULT_PORT);
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`STREAMS_PORT is not a port: ${portRaw}`);

  const storeRaw = env.STREAMS_OBJECT_STORE?.trim() || "local";
  if (storeRaw !== "local" && storeRaw !== "r2") problems.push(`STREAMS_OBJECT_STORE must be local or r2, got ${storeRaw}`);
  const objectStore = storeRaw as StreamsObjectStore;

  const childEnv: Env = {};
  for (const name of BASE_ENV) if (env[name] !== undefined) childEnv[name] = env[name];
  Object.assign(childEnv, STREAMS_SERVER_DEFAULT_ENV);
  for (const [name, value] of Object.entries(env)) if (name.startsWith("DS_") && value !== undefined) childEnv[name] = value;
  if (objectStore === "r2") {
    const missing = R2_REQUIRED.filter((name) => !env[name]);
    if (missing.length > 0) problems.push(`STREAMS_OBJECT_STORE=r2 needs ${missing.join(", ")}`);
    for (const name of [...R2_REQUIRED, ...R2_OPTIONAL]) if (env[name]) childEnv[name] = env[name];
    childEnv.DS_SEGMENT_MAX_INTERVAL_MS ??= String(STREAMS_R2_DEFAULT_SEGMENT_INTERVAL_MS);
  }

  const dataDir = resolve(env.STREAMS_DATA_DIR?.trim() || STREAMS_DEFAULT_DATA_DIR);
  const bootstrapRaw = env.STREAMS_BOOTSTRAP_FROM_R2?.trim().toLowerCase() || "auto";
  let bootstrapFromR2 = false;
  if (bootstrapRaw === "auto") bootstrapFromR2 = objectStore === "r2" && !existsSync(join(dataDir, "wal.sqlite"));
  else if (bootstrapRaw === "true" || bootstrapRaw === "1") bootstrapFromR2 = true;
  else if (bootstrapRaw !== "false" && bootstrapRaw !== "0") problems.push(`STREAMS_BOOTSTRAP_FROM_R2 must be auto, true or false`);
  if (bootstrapFromR2 && objectStore !== "r2") problems.push("STREAMS_BOOTSTRAP_FROM_R2 needs STREAMS_OBJECT_STORE=r2");

  for (const name of ["DS_SEGMENT_MAX_INTERVAL_MS", "DS_INGEST_CONCURRENCY", "DS_INGEST_FLUSH_MS"]) {
    const raw = childEnv[name];
    if (raw !== undefined && !(Number(raw) >= 0)) problems.push(`${name} must be a number >= 0, got ${raw}`);
  }
  if (problems.length > 0) throw new Error(`invalid streams configuration:\n- ${problems.join("\n- ")}`);

  return {
    dataDir,
    port,
    host: env.STREAMS_HOST?.trim() || "127.0.0.1",
    apiKey: apiKey!,
    objectStore,
    bootstrapFromR2,
    inheritEnv: false,
    env: childEnv,
  };
}

export interface ServeStreamsOptions {
  /** Stop the server on SIGINT/SIGTERM of this process. Default true. */
  handleSignals?: boolean;
  /** Forward the server's log lines to this process's stdout/stderr. Default true. */
  forwardLogs?: boolean;
  /** Where our own messages go. Default `console`. */
  logger?: Pick<Console, "log" | "error">;
}

/**
 * Starts the streams tier from `env` and returns once it answers HTTP; the child keeps this
 * process alive. If the child dies on its own, `process.exitCode` becomes 1.
 */
export async function serveStreamsFromEnv(env: Env = process.env, options: ServeStreamsOptions = {}): Promise<StreamsServerProcess> {
  const { handleSignals = true, forwardLogs = true, logger = console } = options;
  const processOptions = streamsOptionsFromEnv(env);
  if (forwardLogs) {
    processOptions.onLog = (line, source) => (source === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
  }
  if (processOptions.objectStore === "local") {
    logger.log("streams: STREAMS_OBJECT_STORE=local keeps sealed segments in memory; use r2 for durable production data");
  }
  const server = await startStreamsServerProcess(processOptions);
  logger.log(`streams: listening on ${server.url} (object store ${processOptions.objectStore}, started in ${Math.round(server.startMs)} ms)`);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`streams: ${signal}, stopping`);
    void server.stop();
  };
  if (handleSignals) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  void server.exited.then(({ code, signal }) => {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    if (!stopping) {
      logger.error(`streams: server exited unexpectedly (${signal ?? `code ${code}`})`);
      process.exitCode = 1;
    }
  });
  return {
    ...server,
    stop(stopOptions) {
      stopping = true;
      return server.stop(stopOptions);
    },
    kill() {
      stopping = true;
      return server.kill();
    },
  };
}
