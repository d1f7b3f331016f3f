/** A tenant as an operator reads it (human output of `tenant create|show|update`). Never a secret: only whether one is set. */
import type { ModelPolicy } from "../tenants/policy.js";
import type { TenantRecord } from "../tenants/tenant-store.js";
import { fields, when } from "./output.js";

/** Its settings, plus its end-user and chat counts when given. */
export function describeTenant(tenant: TenantRecord, counts?: { users: number; chats: number }): string {
  return fields([
    ["name", tenant.name],
    ["origins", tenant.allowedOrigins.join(", ") || "(none: its publishable keys work nowhere)"],
    ["guests", tenant.guestsAllowed ? "allowed" : "not allowed"],
    ["model policy", describePolicy(tenant.modelPolicy) || "server defaults"],
    ["provider", tenant.provider ? `${tenant.provider.baseUrl}${tenant.provider.hasApiKey ? " (own key)" : ""}` : "the server's"],
    ["end-user JWT", describeJwt(tenant.jwt)],
    ["end users", counts && String(counts.users)],
    ["chats", counts && String(counts.chats)],
    ["created", when(tenant.createdAt)],
  ]);
}

export function describePolicy(policy: ModelPolicy): string {
  return [
    policy.defaultModel && `default ${policy.defaultModel}`,
    policy.allowedModels && `allowed ${policy.allowedModels.join(", ")}`,
    policy.maxOutputTokens !== undefined && `max output ${policy.maxOutputTokens} tokens`,
    policy.contextTokens !== undefined && `context ${policy.contextTokens} tokens`,
    policy.systemPrompt !== undefined && "system prompt set",
  ]
    .filter(Boolean)
    .join("; ");
}

function describeJwt(jwt: TenantRecord["jwt"]): string {
  const verifier = [jwt.hasSecret && "HS256 secret", jwt.jwksUrl && `JWKS ${jwt.jwksUrl}`].filter(Boolean).join(" and ");
  if (!verifier) return "not set up";
  return [verifier, jwt.issuer && `issuer ${jwt.issuer}`, jwt.audience && `audience ${jwt.audience}`].filter(Boolean).join("; ");
}
