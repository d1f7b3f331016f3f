/**
 * What an embedded run keeps in DATA_DIR. `open-chat serve` (runtime.ts) and the operator
 * commands (cli/) both read it from here, so they always open the same database, streams and keys.
 */
import { join, resolve } from "node:path";
import { loadOrCreateSecret } from "./auth/secret.js";
import type { ServerConfig } from "./config.js";

export interface DataDirLayout {
  root: string;
  /** Embedded PGlite (when DATABASE_URL is unset). */
  postgres: string;
  /** Embedded streams-local (when STREAMS_URL is unset). */
  streams: string;
  /** Session signing secret (when AUTH_SECRET is unset). */
  authSecret: string;
  /** Seals tenants' secrets (when ENCRYPTION_KEY is unset). */
  encryptionKey: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    root,
    postgres: join(root, "postgres"),
    streams: join(root, "streams"),
    authSecret: join(root, "auth-secret"),
    encryptionKey: join(root, "encryption-key"),
  };
}

/** ENCRYPTION_KEY, else the key kept in DATA_DIR/encryption-key (created on first use; the folder must exist). */
export function encryptionKeyOf(config: Pick<ServerConfig, "encryptionKey" | "dataDir">): string {
  return config.encryptionKey ?? loadOrCreateSecret(dataDirLayout(config.dataDir).encryptionKey);
}
