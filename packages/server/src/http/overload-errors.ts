/**
 * Failures that mean "this server is over capacity right now", not "this request is wrong" nor
 * "a bug": the database's pool or server could not take the query in time, or the streams tier
 * did not answer. They leave as `503` + `Retry-After` with a machine-readable code, so clients
 * back off and retry (the SDK's outbox does) instead of seeing a `500 internal`:
 *
 * - database overload → `503 overloaded`: Prisma P2024 (pool timeout), P2028 (a transaction
 *   could not start in time), P1001/P1002/P1008/P1017 (unreachable, timed out, connection
 *   closed), a driver-adapter error of those kinds, Postgres SQLSTATE 53xxx (out of
 *   connections or resources), 57P01–57P03 (shutting down, not accepting yet), 08xxx
 *   (connection failure), and node-postgres' own pool timeout and dropped-connection errors —
 *   also as the `cause` of another library's error (Better Auth's "Failed to get session");
 * - the streams tier unavailable (a retryable `StreamsError` that no module turned into a
 *   domain error) → `503 streams_unavailable`.
 */
import { StreamsError } from "../streams/client/errors.js";
import { ApiError } from "./api-error.js";

/** A database that refused for load frees up within about this long (a pool wait is 2 s). */
export const DATABASE_RETRY_MS = 1_000;
const STREAMS_RETRY_MS = 1_000;

const PRISMA_OVERLOAD_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const ADAPTER_OVERLOAD_KINDS = new Set(["DatabaseNotReachable", "TooManyConnections", "SocketTimeout", "ConnectionClosed"]);
/** node-postgres' pool and connection messages (they carry no code). */
const PG_OVERLOAD_MESSAGES = ["timeout exceeded when trying to connect", "Connection terminated", "Client has encountered a connection error"];

/** The 503 a capacity failure leaves as, or null for any other error. */
export function overloadError(error: unknown): ApiError | null {
  if (error instanceof StreamsError) {
    if (!error.retryable) return null;
    return new ApiError(503, "streams_unavailable", "the message log is unavailable right now; retry shortly", {
      cause: error,
      retryAfterMs: error.retryAfterMs ?? STREAMS_RETRY_MS,
    });
  }
  const reason = databaseOverloadOf(error);
  if (!reason) return null;
  noteOverload(reason);
  return new ApiError(503, "overloaded", "the server is at capacity right now; retry shortly", { cause: error, retryAfterMs: DATABASE_RETRY_MS });
}

/** Why a database error (or the error it was wrapped in) is an overload, for the log; null when it is something else. */
export function databaseOverloadOf(error: unknown): string | null {
  for (let depth = 0, cause = error; depth < 4 && cause instanceof Error; depth++, cause = cause.cause) {
    const reason = ownOverloadOf(cause);
    if (reason) return reason;
  }
  return null;
}

function ownOverloadOf(error: Error): string | null {
  const { code, meta } = error as Error & { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } };
  if (error.name === "PrismaClientKnownRequestError" || error.name === "PrismaClientInitializationError") {
    if (typeof code === "string" && PRISMA_OVERLOAD_CODES.has(code)) return code;
    const cause = meta?.driverAdapterError?.cause;
    if (typeof cause?.kind === "string" && ADAPTER_OVERLOAD_KINDS.has(cause.kind)) return `${String(code)} / ${cause.kind}`;
    if (typeof cause?.originalCode === "string" && isOverloadSqlState(cause.originalCode)) return `${String(code)} / ${cause.originalCode}`;
    return null;
  }
  // node-postgres directly (pool waits, dropped connections) or a DatabaseError with a SQLSTATE.
  if (typeof code === "string" && isOverloadSqlState(code)) return code;
  if (code === "ECONNREFUSED" || code === "ETIMEDOUT") return code;
  return PG_OVERLOAD_MESSAGES.find((text) => error.message.startsWith(text)) ?? null;
}

function isOverloadSqlState(state: string): boolean {
  return /^(53|08)[0-9A-Z]{3}$/.test(state) || state === "57P01" || state === "57P02" || state === "57P03";
}

/**
 * One log line per 10 s at most: an overload refuses many requests at once, and a line each
 * would add to the load it reports.
 */
const LOG_EVERY_MS = 10_000;
let lastLogged = -Infinity;
let unlogged = 0;
function noteOverload(reason: string): void {
  unlogged++;
  const now = performance.now();
  if (now - lastLogged < LOG_EVERY_MS) return;
  console.warn(`[open-chat] database overloaded (${reason}): ${unlogged} request(s) refused with 503 overloaded since the last such line`);
  lastLogged = now;
  unlogged = 0;
}
