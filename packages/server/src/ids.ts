/** Server-generated ids: a readable prefix and 128 random bits, safe in URLs and stream names. */
import { randomBytes } from "node:crypto";

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString("base64url").replaceAll("-", "x").replaceAll("_", "y")}`;
}
