/** Server-generated ids: a readable prefix and 128 random bits, safe in URLs and stream names. */
import { randomBytes } from "node:crypto";
import { LIMITS } from "@open-chat/shared";

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url").replaceAll("-", "x").replaceAll("_", "y")}`;
}

/**
 * The shape of every id the API accepts from a path or a body (server-made chat, user and key
 * ids, client-made message ids): 1 to LIMITS.maxIdLength letters, digits or `_ . : -`. A value
 * of another shape names nothing, so it is answered before any query (no NUL, control
 * character or 70 KB string ever reaches Postgres).
 */
export const ID_PATTERN = new RegExp(`^[\\w.:-]{1,${LIMITS.maxIdLength}}$`);

export function isWellFormedId(value: string): boolean {
  return ID_PATTERN.test(value);
}
