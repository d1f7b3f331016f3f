/**
 * Opaque cursors of newest-first lists ordered by (a time, an id): the page's last row as
 * base64url JSON `[iso, id]`. A cursor is only ever one `encodeKeysetCursor` made: anything else
 * (a date Postgres cannot hold, an id with a NUL, 10 KB of base64) is `invalid_cursor` before
 * any query.
 *
 * @example
 * const after = cursor ? decodeKeysetCursor(cursor) : null; // { at, id } | null
 * const nextCursor = encodeKeysetCursor(last.createdAt, last.id);
 */
import { DomainError } from "../domain-error.js";
import { isWellFormedId } from "../ids.js";

export interface KeysetPosition {
  at: Date;
  id: string;
}

/** `toISOString()` of a date in years 0000-9999: what `encodeKeysetCursor` writes. */
const CURSOR_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A cursor of the longest id is about 230 characters. */
const MAX_CURSOR_LENGTH = 512;

export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

export function decodeKeysetCursor(cursor: string): KeysetPosition {
  try {
    if (cursor.length > MAX_CURSOR_LENGTH) throw new Error("cursor too long");
    const [iso, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof iso !== "string" || !CURSOR_DATE.test(iso) || typeof id !== "string" || !isWellFormedId(id)) throw new Error("bad cursor");
    const at = new Date(iso);
    // The date must survive the round trip (no 2025-02-31 rolled over into March).
    if (Number.isNaN(at.getTime()) || at.toISOString() !== iso) throw new Error("bad cursor");
    return { at, id };
  } catch {
    throw new DomainError("invalid_cursor", "cursor: not a cursor returned by this endpoint");
  }
}
