/**
 * The auth secret for embedded/dev runs: generated once and kept in the data folder so
 * sessions survive restarts. Production sets AUTH_SECRET instead.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

export function loadOrCreateSecret(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    const secret = randomBytes(32).toString("base64url");
    writeFileSync(path, secret, { mode: 0o600, flag: "wx" });
    return secret;
  }
}
