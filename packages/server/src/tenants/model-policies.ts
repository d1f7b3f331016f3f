/**
 * Which model a tenant's end users get, how long its answers may be, and where they are
 * generated: the tenant's model policy over the server's defaults (policy.ts), and its own
 * OpenAI-compatible provider when it brought one (bring your own key).
 *
 * The provider key is opened (tenant-store `tenantSecrets`) only to build the tenant's model
 * client, here in the server; it is never returned, logged or put in an error message. Clients
 * are cached per tenant and rebuilt when the tenant row changes (`updatedAt`), so a new key or
 * base URL takes effect on the next send (one made in another process, e.g. the CLI, within the
 * tenant cache's `TENANT_CACHE_MS`: the row is read through `tenants.cached`).
 */
import { DomainError } from "../domain-error.js";
import type { ModelClient, ModelClientOptions } from "../generation/model-client.js";
import { resolvePolicy, type ModelPolicyDefaults, type ResolvedModelPolicy } from "./policy.js";
import type { TenantRecord, TenantStore } from "./tenant-store.js";

export interface TenantModel {
  policy: ResolvedModelPolicy;
  /** The tenant's own provider, else the server's. */
  client: ModelClient;
}

export interface ModelPolicies {
  /** The tenant's effective policy (the server defaults for a tenant without a row). */
  policyOf(tenantId: string): Promise<ResolvedModelPolicy>;
  /** The policy and the model client a tenant's answers go to. */
  forTenant(tenantId: string): Promise<TenantModel>;
}

export interface ModelPoliciesDeps {
  tenants: Pick<TenantStore, "cached" | "tenantSecrets">;
  defaults: ModelPolicyDefaults;
  /** The server's provider (OPENROUTER_API_KEY / OPENAI_BASE_URL / the local model server). */
  defaultClient: ModelClient;
  createClient: (options: ModelClientOptions) => ModelClient;
}

/** Sent to a keyless OpenAI-compatible server (the SDK refuses an empty key); it ignores it. */
const NO_KEY = "no-key";

export function createModelPolicies(deps: ModelPoliciesDeps): ModelPolicies {
  const clients = new Map<string, { version: string; client: ModelClient }>();

  // Resolved once per tenant row the store hands out (it caches rows: tenant-store.ts).
  const resolved = new WeakMap<TenantRecord, ResolvedModelPolicy>();
  const serverPolicy = resolvePolicy({}, deps.defaults);
  const policyOfRecord = (tenant: TenantRecord | null) => {
    if (!tenant) return serverPolicy;
    let policy = resolved.get(tenant);
    if (!policy) resolved.set(tenant, (policy = resolvePolicy(tenant.modelPolicy, deps.defaults)));
    return policy;
  };

  async function clientOf(tenant: TenantRecord, policy: ResolvedModelPolicy): Promise<ModelClient> {
    const provider = tenant.provider;
    if (!provider) {
      clients.delete(tenant.id);
      return deps.defaultClient;
    }
    const version = `${tenant.updatedAt.getTime()}|${provider.baseUrl}|${policy.defaultModel}`;
    const cached = clients.get(tenant.id);
    if (cached?.version === version) return cached.client;
    const { providerApiKey } = await deps.tenants.tenantSecrets(tenant.id);
    const client = deps.createClient({ baseURL: provider.baseUrl, apiKey: providerApiKey || NO_KEY, defaultModel: policy.defaultModel });
    clients.set(tenant.id, { version, client });
    return client;
  }

  return {
    async policyOf(tenantId) {
      return policyOfRecord(await deps.tenants.cached(tenantId));
    },
    async forTenant(tenantId) {
      const tenant = await deps.tenants.cached(tenantId);
      const policy = policyOfRecord(tenant);
      return { policy, client: tenant ? await clientOf(tenant, policy) : deps.defaultClient };
    },
  };
}

/** Refuses a model the policy does not allow: the browser never picks what the operator pays for. */
export function assertModelAllowed(policy: ResolvedModelPolicy, model: string): void {
  if (!policy.allowedModels.includes(model)) {
    throw new DomainError("model_not_allowed", `model ${JSON.stringify(model)} is not allowed here; allowed: ${policy.allowedModels.join(", ")}`);
  }
}

/**
 * The model of one answer: the one the send names (it must be allowed), else the chat's own,
 * else the policy's default. A chat's stored model that the policy no longer allows falls back
 * to the default instead of failing every later send in that chat.
 */
export function chooseModel(policy: ResolvedModelPolicy, requested: string | undefined, chatModel: string | null): string {
  if (requested !== undefined) {
    assertModelAllowed(policy, requested);
    return requested;
  }
  if (chatModel && policy.allowedModels.includes(chatModel)) return chatModel;
  return policy.defaultModel;
}
