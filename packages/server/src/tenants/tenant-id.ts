/**
 * Tenant ids become part of stream names (`oc.<tenant>.<user>`) and of URLs, so they are
 * restricted to lowercase letters, digits and `-` (no `.`, the stream name's separator).
 */
import { randomBytes } from "node:crypto";

/** The tenant of every user on a server without tenants; seeded by the init migration. */
export const DEFAULT_TENANT_ID = "default";

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,39}$/;
export const TENANT_ID_RULE = "2 to 40 characters: lowercase letters, digits and -, starting with a letter or digit";

export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

/** A readable id from the tenant's name plus a random suffix, e.g. `acme-shop-7k2q9x`. */
export function tenantIdFromName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 30)
    .replace(/-+$/, "");
  const suffix = randomBytes(6).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "x").slice(0, 6);
  return slug ? `${slug}-${suffix}` : `t-${suffix}`;
}
