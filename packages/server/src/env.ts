/**
 * The Hono environment shared by every route and middleware: what `c.var` holds once the
 * request has been resolved to a tenant and an end user.
 */
export interface EndUser {
  id: string;
  tenantId: string;
}

export interface AppEnv {
  Variables: {
    user: EndUser;
  };
}
