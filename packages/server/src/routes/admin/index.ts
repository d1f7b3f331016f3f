/**
 * The admin API, mounted at `/v1/admin`: every request is authenticated by requireAdmin (a
 * tenant's secret key or the operator key), every `/tenants/:tenantId/…` route is resolved
 * within the caller's scope (admin-tenant.ts), and no answer is cached (`Cache-Control: no-store`).
 * It never runs the end-user middleware (publishable key, session).
 *
 * @example
 * app.route(API_PATH.admin, adminRoutes(services));
 * // curl -H "Authorization: Bearer $OPERATOR_KEY" http://localhost:3000/v1/admin/tenants
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { requireScopedTenant } from "../../middleware/admin-tenant.js";
import { requireAdmin, type AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { createEndUsers } from "../../users/end-users.js";
import { billingAdminRoutes, operatorBillingRoutes } from "./billing.js";
import { feedbackAdminRoutes } from "./feedback.js";
import { keyRoutes } from "./keys.js";
import { tenantRoutes } from "./tenants.js";
import { turnUsageRoutes } from "./turn-usage.js";
import { usageRoutes } from "./usage.js";
import { userRoutes } from "./users.js";

export function adminRoutes(services: Services) {
  const endUsers = createEndUsers(services.prisma);
  return new Hono<AdminEnv>()
    .use("*", noStore)
    .use("*", requireAdmin({ tenants: services.tenants, operatorKey: services.settings.operatorKey }))
    // Matches `/tenants/:tenantId` itself too (hono's `/*` includes the bare path), not `/tenants`.
    .use("/tenants/:tenantId/*", requireScopedTenant({ tenants: services.tenants }))
    .route("/tenants", tenantRoutes(services))
    .route("/tenants", keyRoutes(services))
    .route("/tenants", userRoutes(services, endUsers))
    .route("/tenants", usageRoutes(endUsers, services.clock))
    .route("/tenants", turnUsageRoutes(services))
    .route("/tenants", billingAdminRoutes(services))
    .route("/tenants", feedbackAdminRoutes(services))
    .route("/", operatorBillingRoutes(services));
}

/** Admin answers describe tenants, keys and users: no cache may keep them, errors included. */
const noStore = createMiddleware(async function noStore(c, next) {
  await next();
  c.header("Cache-Control", "no-store");
});
