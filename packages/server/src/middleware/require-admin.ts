/**
 * Authenticates the admin API: `Authorization: Bearer <key>` with a tenant's secret key
 * (`sk_…`, scope: that tenant) or the operator key (OPERATOR_KEY, scope: every tenant). Sets
 * `c.var.admin`; anything else is `401 invalid_key` — publishable keys, end-user session
 * tokens, revoked or unknown keys alike.
 *
 * @example
 * new Hono<AdminEnv>().use("*", requireAdmin({ tenants, operatorKey: settings.operatorKey }))
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../http/api-error.js";
import { kindOfKey } from "../tenants/keys.js";
import type { TenantRecord, TenantStore } from "../tenants/tenant-store.js";

/** Who calls the admin API: the operator (all tenants) or one tenant through its secret key. */
export type AdminPrincipal = { scope: "operator" } | { scope: "tenant"; tenantId: string; keyId: string };

export interface AdminEnv {
  Variables: {
    admin: AdminPrincipal;
    /** The tenant of a `/tenants/:tenantId/…` route, once it is known to be in scope (admin-tenant.ts). */
    scopedTenant: TenantRecord;
  };
}

export interface RequireAdminOptions {
  tenants: Pick<TenantStore, "findActiveKey">;
  /** The operator key; unset = only tenants' secret keys open the admin API. */
  operatorKey?: string | undefined;
}

const BEARER = /^Bearer +(\S+)\s*$/i;

export function requireAdmin({ tenants, operatorKey }: RequireAdminOptions) {
  if (!tenants) throw new Error("requireAdmin: tenants is required");
  const operatorHash = operatorKey ? sha256(operatorKey) : null;

  return createMiddleware<AdminEnv>(async function requireAdmin(c, next) {
    const key = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
    if (!key) throw invalidKey("missing Authorization: Bearer <secret key (sk_…) or operator key>");
    c.set("admin", await principalOf(key));
    await next();
  });

  async function principalOf(key: string): Promise<AdminPrincipal> {
    // Compared as hashes: equal lengths for timingSafeEqual, and no early exit on a prefix.
    if (operatorHash && timingSafeEqual(sha256(key), operatorHash)) return { scope: "operator" };
    const kind = kindOfKey(key);
    if (kind === "publishable") {
      throw invalidKey("a publishable key (pk_…) is for browsers; the admin API takes a secret key (sk_…) or the operator key");
    }
    const found = kind === "secret" ? await tenants.findActiveKey(key) : null;
    if (!found || found.kind !== "secret") throw invalidKey("unknown or revoked key; the admin API takes a secret key (sk_…) or the operator key");
    return { scope: "tenant", tenantId: found.tenantId, keyId: found.id };
  }
}

/** Routes only the operator may call (creating tenants): a secret key gets `403 forbidden`. */
export function requireOperator() {
  return createMiddleware<AdminEnv>(async function requireOperator(c, next) {
    if (c.var.admin.scope !== "operator") throw new ApiError(403, "forbidden", "only the operator key may do this; a secret key acts for its own tenant only");
    await next();
  });
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function invalidKey(message: string): ApiError {
  return new ApiError(401, "invalid_key", message);
}
