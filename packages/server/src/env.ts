/**
 * The Hono environment shared by every route and middleware: what `c.var` holds once the
 * request has been resolved to a tenant and an end user.
 */
export interface EndUser {
  id: string;
  tenantId: string;
}

/** The site a request acts for (tenants/request-tenant.ts). */
export interface RequestTenantVar {
  tenantId: string;
  keyId: string | null;
  guestsAllowed: boolean;
}

/** The session a request was authorised by (its stored token, not the bearer string). */
export interface RequestSessionVar {
  token: string;
}

export interface AppEnv {
  Variables: {
    user: EndUser;
    session: RequestSessionVar;
    tenant: RequestTenantVar;
  };
}
