/**
 * `describeRoute` for admin routes: the `admin` tag, the admin key as security, and the error
 * answers every admin route shares (401 for a missing or wrong key, 404 for a tenant out of
 * scope) on top of the route's own.
 */
import { describeRoute, type DescribeRouteOptions } from "hono-openapi";
import { ADMIN_SECURITY, errorResponses } from "../../http/openapi.js";

export function describeAdminRoute(spec: DescribeRouteOptions & { summary: string }, options: { tenantScoped?: boolean } = {}) {
  const shared = options.tenantScoped === false ? errorResponses(401) : errorResponses(400, 401, 404);
  return describeRoute({ tags: ["admin"], security: ADMIN_SECURITY, ...spec, responses: { ...shared, ...spec.responses } });
}
