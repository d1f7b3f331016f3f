/**
 * Encryption at rest for the secrets a tenant gives us (its provider API key, its JWT signing
 * secret): AES-256-GCM with a server key from the environment (`ENCRYPTION_KEY`), never stored
 * in the database. Sealed values are `v1.<iv>.<tag>.<ciphertext>` (base64url).
 *
 * Any string works as the server key: it is stretched to 32 bytes with SHA-256, so a
 * `openssl rand -base64 32` value is the intended input. Changing it makes stored secrets
 * unreadable (documented in the README, "Run it for several websites").
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

const VERSION = "v1";

export function createSecretBox(serverKey: string): SecretBox {
  if (!serverKey) throw new Error("createSecretBox: a server key is required");
  const key = createHash("sha256").update(serverKey).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("secret box: not a sealed value");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
