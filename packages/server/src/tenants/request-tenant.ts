/**
 * Which tenant a browser request acts for (invariant 6): the publishable key in
 * `X-Open-Chat-Key` names it, and the page's `Origin` must be one the tenant listed. A server
 * without any publishable key ("no tenants configured": development, single-site installs)
 * serves keyless requests as the built-in `default` tenant; once a tenant has a publishable key,
 * a key is required.
 *
 * The origin check guards browsers (a page cannot fake its Origin); a request without an
 * Origin header is not a cross-site browser call and passes — a server that wants more than
 * end-user rights uses a secret key on the admin API instead.
 */
import { DomainError } from "../domain-error.js";
import { DEFAULT_TENANT_ID } from "./tenant-id.js";
import type { TenantRecord, TenantStore } from "./tenant-store.js";

export interface RequestTenant {
  tenantId: string;
  /** The publishable key's id; null for the keyless default tenant. */
  keyId: string | null;
  guestsAllowed: boolean;
}

export async function resolveRequestTenant(
  tenants: Pick<TenantStore, "findActiveKey" | "cached" | "hasPublishableKeys">,
  request: { key: string | undefined; origin: string | undefined },
): Promise<RequestTenant> {
  if (!request.key) {
    if (await tenants.hasPublishableKeys()) {
      throw new DomainError("publishable_key_required", "this server serves several sites: send your tenant's publishable key (pk_…) in X-Open-Chat-Key (SDK: publishableKey, widget: publishable-key)");
    }
    return { tenantId: DEFAULT_TENANT_ID, keyId: null, guestsAllowed: true };
  }
  const key = await tenants.findActiveKey(request.key);
  if (!key) throw new DomainError("invalid_key", "X-Open-Chat-Key: unknown or revoked key");
  if (key.kind !== "publishable") {
    throw new DomainError("invalid_key", "X-Open-Chat-Key: that is a secret key (sk_…); it belongs on your server, never in a page — revoke it and use a publishable key (pk_…)");
  }
  const tenant = await tenants.cached(key.tenantId);
  if (!tenant) throw new DomainError("invalid_key", "X-Open-Chat-Key: unknown or revoked key");
  if (request.origin !== undefined && !originAllowed(tenant, request.origin)) {
    throw new DomainError("origin_not_allowed", `Origin ${JSON.stringify(request.origin)} is not an allowed origin of this publishable key's site`);
  }
  return { tenantId: tenant.id, keyId: key.id, guestsAllowed: tenant.guestsAllowed };
}

const tenantOfRequest = new WeakMap<Request, RequestTenant>();

/**
 * Remembers the tenant resolved for this exact Request: Better Auth's user-creation hook gets
 * only the Request (auth/auth.ts), and must create the guest in the key's tenant.
 */
export function rememberTenant(request: Request, tenant: RequestTenant): void {
  tenantOfRequest.set(request, tenant);
}

export function tenantOf(request: Request | undefined): RequestTenant | undefined {
  return request ? tenantOfRequest.get(request) : undefined;
}

function originAllowed(tenant: TenantRecord, origin: string): boolean {
  return tenant.allowedOrigins.includes(origin);
}
