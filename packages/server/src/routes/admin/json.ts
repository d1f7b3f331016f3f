/**
 * What the admin API answers: the response schemas (documented in the OpenAPI document) and
 * the functions that render records into them. Each renderer is typed by its schema, so the
 * document and the responses cannot drift apart. No renderer ever outputs a secret: tenants
 * show `hasApiKey` / `hasSecret`, keys their `display` (the full key only once, at creation).
 */
import * as v from "valibot";
import { KEY_KINDS } from "../../tenants/keys.js";
import { BillingPolicySchema } from "../../billing/policy.js";
import { TenantLimitsSchema } from "../../tenants/limits.js";
import { ModelPolicySchema } from "../../tenants/policy.js";
import type { ApiKeyRecord, CreatedApiKey, TenantRecord } from "../../tenants/tenant-store.js";
import type { EndUserRecord, EndUserChat, UsageCounts } from "../../users/end-users.js";

const Timestamp = v.pipe(v.string(), v.isoTimestamp());
const NullableText = v.nullable(v.string());

export const TenantJson = v.pipe(
  v.object({
    id: v.string(),
    name: v.string(),
    allowedOrigins: v.array(v.string()),
    guestsAllowed: v.boolean(),
    modelPolicy: ModelPolicySchema,
    /** The tenant's own limits; unset fields use the server's defaults. */
    limits: TenantLimitsSchema,
    /** The tenant's billing policy; unset fields use the defaults (README "Billing"). */
    billing: BillingPolicySchema,
    provider: v.nullable(v.object({ baseUrl: v.string(), hasApiKey: v.boolean() })),
    jwt: v.object({ hasSecret: v.boolean(), jwksUrl: NullableText, issuer: NullableText, audience: NullableText }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
  v.metadata({ ref: "Tenant" }),
);
export const TenantListJson = v.object({ tenants: v.array(TenantJson) });

const keyFields = {
  id: v.string(),
  tenantId: v.string(),
  kind: v.picklist(KEY_KINDS),
  /** The whole publishable key (it is public); `sk_…` + the last 4 characters of a secret key. */
  display: v.string(),
  name: NullableText,
  createdAt: Timestamp,
  revokedAt: v.nullable(Timestamp),
  lastUsedAt: v.nullable(Timestamp),
};
export const ApiKeyJson = v.pipe(v.object(keyFields), v.metadata({ ref: "ApiKey" }));
export const ApiKeyListJson = v.object({ keys: v.array(ApiKeyJson) });
/** A key as created: the only response that carries the full `key`. */
export const CreatedApiKeyJson = v.pipe(v.object({ ...keyFields, key: v.string() }), v.metadata({ ref: "CreatedApiKey" }));

export const EndUserJson = v.pipe(
  v.object({
    id: v.string(),
    /** The tenant's own user id (`sub` of its JWT); null for guests. */
    externalId: NullableText,
    name: v.string(),
    /** From the tenant's JWT; null for guests. */
    email: NullableText,
    isAnonymous: v.boolean(),
    createdAt: Timestamp,
    /** Chats the user has (not deleted). */
    chats: v.number(),
  }),
  v.metadata({ ref: "EndUser" }),
);
export const EndUserPageJson = v.object({ users: v.array(EndUserJson), nextCursor: NullableText });

export const DeletedUserJson = v.object({ userId: v.string(), chats: v.number(), streamDeleted: v.boolean() });

export const AdminChatJson = v.pipe(
  v.object({ id: v.string(), title: NullableText, model: NullableText, createdAt: Timestamp, updatedAt: Timestamp }),
  v.metadata({ ref: "AdminChat" }),
);
export const AdminChatListJson = v.object({ chats: v.array(AdminChatJson) });

/** A message as the shared fold (`materialize`) makes it from the log. */
const MessageJson = v.looseObject({
  id: v.string(),
  chatId: v.string(),
  role: v.string(),
  text: v.string(),
  status: v.picklist(["streaming", "completed", "error", "stopped"]),
  createdAt: v.string(),
  updatedAt: v.string(),
  /** The message it follows; versions of one message (regenerated, edited) share it. Every version is listed. */
  parentId: v.nullable(v.string()),
  /** The end user's current 👍/👎 on an answer. */
  feedback: v.optional(v.object({ rating: v.picklist(["up", "down"]), comment: v.optional(v.string()) })),
});
export const TranscriptJson = v.object({ chat: AdminChatJson, messages: v.array(MessageJson) });

export const UsageJson = v.object({
  tenantId: v.string(),
  since: Timestamp,
  until: Timestamp,
  /** End users created in the window; `guests` and `verifiedUsers` of them. */
  users: v.number(),
  guests: v.number(),
  verifiedUsers: v.number(),
  /** Chats created in the window. */
  chats: v.number(),
  /** Messages sent (turns started) in the window. */
  turns: v.number(),
});

export function tenantJson(tenant: TenantRecord): v.InferOutput<typeof TenantJson> {
  return {
    id: tenant.id,
    name: tenant.name,
    allowedOrigins: tenant.allowedOrigins,
    guestsAllowed: tenant.guestsAllowed,
    modelPolicy: tenant.modelPolicy,
    limits: tenant.limits,
    billing: tenant.billing,
    provider: tenant.provider && { baseUrl: tenant.provider.baseUrl, hasApiKey: tenant.provider.hasApiKey },
    jwt: { hasSecret: tenant.jwt.hasSecret, jwksUrl: tenant.jwt.jwksUrl, issuer: tenant.jwt.issuer, audience: tenant.jwt.audience },
    createdAt: tenant.createdAt.toISOString(),
    updatedAt: tenant.updatedAt.toISOString(),
  };
}

export function apiKeyJson(key: ApiKeyRecord): v.InferOutput<typeof ApiKeyJson> {
  return {
    id: key.id,
    tenantId: key.tenantId,
    kind: key.kind,
    display: key.display,
    name: key.name,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}

export function createdApiKeyJson(key: CreatedApiKey): v.InferOutput<typeof CreatedApiKeyJson> {
  const { id, tenantId, kind, ...rest } = apiKeyJson(key);
  return { id, tenantId, kind, key: key.key, ...rest };
}

export function endUserJson(user: EndUserRecord): v.InferOutput<typeof EndUserJson> {
  return { ...user, createdAt: user.createdAt.toISOString() };
}

export function adminChatJson(chat: EndUserChat): v.InferOutput<typeof AdminChatJson> {
  return { id: chat.id, title: chat.title, model: chat.model, createdAt: chat.createdAt.toISOString(), updatedAt: chat.updatedAt.toISOString() };
}

export function usageJson(tenantId: string, usage: UsageCounts): v.InferOutput<typeof UsageJson> {
  return { tenantId, ...usage, since: usage.since.toISOString(), until: usage.until.toISOString() };
}
