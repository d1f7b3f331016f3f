/**
 * The API's error renderer (`app.onError` / `app.notFound`): every failure leaves as
 * `{ error: { code, message } }`. An `ApiError` keeps its status and code; a `DomainError` is
 * mapped first (domain-errors.ts), a capacity failure becomes a 503 (overload-errors.ts); anything else becomes a 500 `internal` whose message does
 * not leak internals — except a database error caused by a value of the request (too long, a
 * NUL, a date out of range), which is a `400 invalid_request`: inputs are validated before any
 * query, so this is the last line of defence, and it logs one line naming what slipped through.
 */
import type { Context } from "hono";
import pg from "pg";
import { HEADER } from "@open-chat/shared";
import { DomainError } from "../domain-error.js";
import { ApiError, errorBody } from "./api-error.js";
import { toApiError } from "./domain-errors.js";
import { overloadError } from "./overload-errors.js";

export function renderError(thrown: Error, c: Context): Response {
  // A capacity failure (database pool, streams tier) is a 503 to retry, never a 500 (overload-errors.ts).
  const error = thrown instanceof DomainError ? toApiError(thrown) : (overloadError(thrown) ?? thrown);
  if (error instanceof ApiError) {
    if (error.retryAfterMs !== undefined) c.header(HEADER.retryAfter, String(Math.ceil(error.retryAfterMs / 1000)));
    return c.json(errorBody(error.code, error.message, error.retryAfterMs), error.status);
  }
  if (c.req.raw.signal.aborted || (error as { code?: unknown }).code === "ECONNRESET") {
    // The client went away mid-request (its body was cut off): nobody reads this answer.
    return c.json(errorBody("invalid_request", "the request was aborted by the client"), 400);
  }
  const input = inputErrorOf(error);
  if (input) {
    console.warn(`[open-chat] ${c.req.method} ${c.req.path.slice(0, 200)}: the database refused a value of the request (${input}); validate it before the query`);
    return c.json(errorBody("invalid_request", "a value in the request is too long, out of range or not valid text"), 400);
  }
  console.error("[open-chat] unhandled error", error);
  return c.json(errorBody("internal", "internal server error"), 500);
}

/**
 * Prisma's codes for a value the database cannot take (P2000 too long for the column, P2006
 * invalid value, P2007 data validation, P2019 input error, P2020 out of range, P2033 number
 * too large) and Postgres' SQLSTATEs behind a driver-adapter error: class 22 "data exception"
 * (22001 too long, 22007/22008 bad or out-of-range date, 22021 invalid byte sequence such as a
 * NUL, 22P02 invalid text representation, 22P05 untranslatable character…) and 54000 (a value
 * too large for an index).
 */
const PRISMA_INPUT_CODES = new Set(["P2000", "P2006", "P2007", "P2019", "P2020", "P2033"]);

/** The code of a database error caused by a request's value, or null for any other error. */
export function inputErrorOf(error: unknown): string | null {
  // node-postgres' own error: the hot path's statements run on the pool (db/sql.ts).
  if (error instanceof pg.DatabaseError) return typeof error.code === "string" && isInputSqlState(error.code) ? error.code : null;
  if (!(error instanceof Error) || error.name !== "PrismaClientKnownRequestError") return null;
  const { code, meta } = error as Error & { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  const sqlState = meta?.driverAdapterError?.cause?.originalCode;
  if (typeof sqlState === "string" && isInputSqlState(sqlState)) return `${String(code)} / ${sqlState}`;
  if (typeof code === "string" && PRISMA_INPUT_CODES.has(code)) return code;
  return null;
}

function isInputSqlState(state: string): boolean {
  return state.startsWith("22") || state === "54000";
}

export function renderNotFound(c: Context): Response {
  return c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404);
}
