/**
 * Which page origins may call the browser-facing API. `CORS_ORIGINS` (a fixed list) wins;
 * otherwise a server without tenants answers any origin (bearer tokens, no cookies), and a
 * server with tenants answers exactly the origins some tenant listed — a preflight carries no
 * key, only the Origin, so the per-tenant check happens on the request itself
 * (tenants/request-tenant.ts) and this is its first, coarser gate.
 */
import type { TenantStore } from "../tenants/tenant-store.js";

export function corsOrigin(configured: string[] | "*", tenants: Pick<TenantStore, "hasPublishableKeys" | "isOriginAllowedAnywhere">) {
  return async (origin: string): Promise<string | null> => {
    if (configured !== "*") return configured.includes(origin) ? origin : null;
    if (!(await tenants.hasPublishableKeys())) return "*";
    return origin && (await tenants.isOriginAllowedAnywhere(origin)) ? origin : null;
  };
}
