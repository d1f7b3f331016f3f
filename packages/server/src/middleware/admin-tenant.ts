/**
 * Resolves the `:tenantId` of an admin route within the caller's scope (runs after
 * requireAdmin): a malformed id is `400 invalid_request`; a tenant outside a secret key's scope
 * and a tenant that does not exist are the same `404 tenant_not_found`, so a key learns nothing
 * about other tenants. Sets `c.var.scopedTenant`.
 */
import { createMiddleware } from "hono/factory";
import { ApiError } from "../http/api-error.js";
import { isTenantId, TENANT_ID_RULE } from "../tenants/tenant-id.js";
import type { TenantStore } from "../tenants/tenant-store.js";
import type { AdminEnv } from "./require-admin.js";

export function requireScopedTenant(options: { tenants: Pick<TenantStore, "get"> }) {
  const { tenants } = options;
  return createMiddleware<AdminEnv>(async function requireScopedTenant(c, next) {
    const tenantId = c.req.param("tenantId") ?? "";
    if (!isTenantId(tenantId)) throw new ApiError(400, "invalid_request", `tenantId: ${TENANT_ID_RULE}`);
    const admin = c.var.admin;
    const tenant = admin.scope === "operator" || admin.tenantId === tenantId ? await tenants.get(tenantId) : null;
    if (!tenant) throw new ApiError(404, "tenant_not_found", `no tenant ${tenantId}`);
    c.set("scopedTenant", tenant);
    await next();
  });
}
