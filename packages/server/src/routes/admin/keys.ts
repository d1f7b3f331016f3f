/**
 * `/v1/admin/tenants/:tenantId/keys`: create, list, rotate and revoke a tenant's API keys. A
 * key's full value is in the create (and rotate) response only; the database holds its hash.
 */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import { ApiError } from "../../http/api-error.js";
import { readJson } from "../../http/body.js";
import { errorResponses, jsonBody, jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import type { AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { describeAdminRoute } from "./describe.js";
import { ApiKeyJson, ApiKeyListJson, CreatedApiKeyJson, apiKeyJson, createdApiKeyJson } from "./json.js";
import { CreateKey, KeyParams } from "./schemas.js";

export function keyRoutes(services: Pick<Services, "tenants">) {
  const { tenants } = services;
  const keyNotFound = (keyId: string) => new ApiError(404, "key_not_found", `no active key ${keyId} in this tenant`);

  return new Hono<AdminEnv>()
    .post(
      "/:tenantId/keys",
      describeAdminRoute({
        summary: "Create a key",
        description: "`publishable` (pk_…, for browsers on the tenant's allowed origins) or `secret` (sk_…, server to server). The response is the only time the full key is shown.",
        requestBody: jsonBody(CreateKey),
        responses: { 201: jsonResponse("The key, with its full value", CreatedApiKeyJson), ...errorResponses(413) },
      }),
      async (c) => {
        const body = await readJson(c, CreateKey);
        const key = await tenants.createKey(c.var.scopedTenant.id, body.kind, body.name);
        return c.json(createdApiKeyJson(key), 201);
      },
    )
    .get(
      "/:tenantId/keys",
      describeAdminRoute({ summary: "List keys (revoked ones too; never the key itself)", responses: { 200: jsonResponse("Keys, oldest first", ApiKeyListJson) } }),
      async (c) => c.json({ keys: (await tenants.listKeys(c.var.scopedTenant.id)).map(apiKeyJson) }),
    )
    .post(
      "/:tenantId/keys/:keyId/rotate",
      describeAdminRoute({
        summary: "Rotate a key",
        description: "Creates a new key of the same kind and name and revokes the old one, in one transaction.",
        responses: { 201: jsonResponse("The new key, with its full value", CreatedApiKeyJson) },
      }),
      validator("param", KeyParams, rejectInvalid),
      async (c) => {
        const { keyId } = c.req.valid("param");
        const key = await tenants.rotateKey(c.var.scopedTenant.id, keyId);
        if (!key) throw keyNotFound(keyId);
        return c.json(createdApiKeyJson(key), 201);
      },
    )
    .delete(
      "/:tenantId/keys/:keyId",
      describeAdminRoute({ summary: "Revoke a key (revoking twice is fine)", responses: { 200: jsonResponse("The revoked key", ApiKeyJson) } }),
      validator("param", KeyParams, rejectInvalid),
      async (c) => {
        const { keyId } = c.req.valid("param");
        const key = await tenants.revokeKey(c.var.scopedTenant.id, keyId);
        if (!key) throw keyNotFound(keyId);
        return c.json(apiKeyJson(key));
      },
    );
}
