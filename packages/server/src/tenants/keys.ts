/**
 * API keys: `pk_…` publishable keys for browsers, `sk_…` secret keys for servers. A key is 32
 * random bytes (base64url) after its prefix; only its SHA-256 is stored. A fast hash is the
 * right tool here (unlike passwords, the keys carry 256 bits of entropy, so there is nothing to
 * brute-force), and it lets a request find its key with one indexed lookup.
 */
import { createHash, randomBytes } from "node:crypto";

export type KeyKind = "publishable" | "secret";

export const KEY_KINDS: readonly KeyKind[] = ["publishable", "secret"];

const PREFIX: Record<KeyKind, string> = { publishable: "pk_", secret: "sk_" };
const KEY_PATTERN = /^(pk|sk)_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  key: string;
  hash: string;
  /** What lists show: the whole publishable key (it is public), `sk_…` + last 4 for secret keys. */
  display: string;
}

export function newApiKey(kind: KeyKind): NewApiKey {
  const key = PREFIX[kind] + randomBytes(32).toString("base64url");
  return { key, hash: hashKey(key), display: displayOf(kind, key) };
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The kind a well-formed key claims by its prefix; null for anything else. */
export function kindOfKey(key: string): KeyKind | null {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  return match[1] === "pk" ? "publishable" : "secret";
}

function displayOf(kind: KeyKind, key: string): string {
  return kind === "publishable" ? key : `sk_…${key.slice(-4)}`;
}
