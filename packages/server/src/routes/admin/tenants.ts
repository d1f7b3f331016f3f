/**
 * `/v1/admin/tenants`: create (operator key only), list, show and update tenants. A secret key
 * sees and changes its own tenant only (admin-tenant.ts answers 404 for any other).
 */
import { Hono } from "hono";
import { Prisma } from "../../generated/prisma/client.js";
import { ApiError } from "../../http/api-error.js";
import { readJson } from "../../http/body.js";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi.js";
import { requireOperator, type AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { looserThanDefaults } from "../../tenants/limits.js";
import type { TenantRecord } from "../../tenants/tenant-store.js";
import { describeAdminRoute } from "./describe.js";
import { TenantJson, TenantListJson, tenantJson } from "./json.js";
import { CreateTenant, UpdateTenant } from "./schemas.js";

export function tenantRoutes(services: Pick<Services, "tenants" | "settings">) {
  const { tenants } = services;

  return new Hono<AdminEnv>()
    .post(
      "/",
      describeAdminRoute(
        {
          summary: "Create a tenant (operator key only)",
          description: "Without `id`, one is made from the name. Secrets (`provider.apiKey`, `jwt.secret`) are stored encrypted and never returned.",
          requestBody: jsonBody(CreateTenant),
          responses: { 201: jsonResponse("The tenant", TenantJson), ...errorResponses(400, 403, 409, 413) },
        },
        { tenantScoped: false },
      ),
      requireOperator(),
      async (c) => {
        const body = await readJson(c, CreateTenant);
        let tenant: TenantRecord;
        try {
          tenant = await tenants.create(body);
        } catch (error) {
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
            throw new ApiError(409, "conflict", `a tenant with id ${body.id ?? "(generated)"} already exists`);
          }
          throw error;
        }
        return c.json(tenantJson(tenant), 201);
      },
    )
    .get(
      "/",
      describeAdminRoute({ summary: "List tenants (the operator: all; a secret key: its own)", responses: { 200: jsonResponse("Tenants, oldest first", TenantListJson) } }, { tenantScoped: false }),
      async (c) => {
        const admin = c.var.admin;
        const list = admin.scope === "operator" ? await tenants.list() : [await tenants.get(admin.tenantId)].filter((t) => t !== null);
        return c.json({ tenants: list.map(tenantJson) });
      },
    )
    .get("/:tenantId", describeAdminRoute({ summary: "Show a tenant", responses: { 200: jsonResponse("The tenant", TenantJson) } }), (c) => c.json(tenantJson(c.var.scopedTenant)))
    .patch(
      "/:tenantId",
      describeAdminRoute({
        summary: "Update a tenant",
        description:
          "Every field is optional; `modelPolicy` replaces the whole policy, `limits` all of the tenant's limits and `billing` its whole billing policy; `provider: null` removes the provider; a `null` field of `jwt` removes that setting. A secret key may only tighten `limits` below the server's defaults; the operator key may set any.",
        requestBody: jsonBody(UpdateTenant),
        responses: { 200: jsonResponse("The updated tenant", TenantJson), ...errorResponses(403, 413) },
      }),
      async (c) => {
        const body = await readJson(c, UpdateTenant);
        const looser = body.limits && c.var.admin.scope !== "operator" ? looserThanDefaults(body.limits, services.settings.limits) : null;
        if (looser) {
          throw new ApiError(403, "forbidden", `limits.${looser}: a secret key may only tighten limits (the server's default is ${services.settings.limits[looser]}, 0 = off); ask the operator to raise it`);
        }
        const tenant = await tenants.update(c.var.scopedTenant.id, body);
        if (!tenant) throw new ApiError(404, "tenant_not_found", `no tenant ${c.var.scopedTenant.id}`);
        return c.json(tenantJson(tenant));
      },
    );
}
