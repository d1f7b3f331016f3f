/**
 * What the admin API accepts: request bodies, query and path parameters, as valibot schemas.
 * The handlers validate with them and the OpenAPI document is generated from them.
 *
 * Every string that reaches Postgres is checked for NUL characters (Postgres text and jsonb
 * refuse them: a 400 here instead of a 500 there); single-line fields refuse all control
 * characters.
 */
import * as v from "valibot";
import { LIMITS } from "@open-chat/shared";
import { KEY_KINDS } from "../../tenants/keys.js";
import { normalizeOrigin } from "../../tenants/origins.js";
import { BillingPolicySchema } from "../../billing/policy.js";
import { TenantLimitsSchema } from "../../tenants/limits.js";
import { SizedModelPolicySchema } from "../../tenants/policy.js";
import { TENANT_ID_PATTERN, TENANT_ID_RULE } from "../../tenants/tenant-id.js";

const SINGLE_LINE = /^[^\u0000-\u001f\u007f]*$/;

function line(max: number) {
  return v.pipe(v.string(), v.maxLength(max), v.regex(SINGLE_LINE, "must not contain control characters"));
}

const TenantId = v.pipe(v.string(), v.regex(TENANT_ID_PATTERN, TENANT_ID_RULE));
const Name = v.pipe(line(200), v.trim(), v.minLength(1, "must not be empty"));

const Origin = v.pipe(
  line(2048),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const origin = normalizeOrigin(dataset.value);
    if (origin) return origin;
    addIssue({ message: `${JSON.stringify(dataset.value)} is not an origin: scheme://host[:port], no path (e.g. https://shop.example)` });
    return NEVER;
  }),
);

const HttpUrl = v.pipe(line(2048), v.check((raw) => urlOf(raw, ["http:", "https:"]) !== null, "must be an http(s) URL"));

/** JWKS are fetched over https; plain http only from this machine (development). */
const JwksUrl = v.pipe(
  line(2048),
  v.check((raw) => {
    const url = urlOf(raw, ["http:", "https:"]);
    return url !== null && (url.protocol === "https:" || url.hostname === "localhost" || url.hostname === "127.0.0.1");
  }, "must be an https URL (http only for localhost or 127.0.0.1)"),
);

const ProviderInput = v.strictObject({
  /** An OpenAI-compatible API, e.g. https://openrouter.ai/api/v1. */
  baseUrl: HttpUrl,
  /** Stored encrypted; never returned. */
  apiKey: v.pipe(line(4096), v.minLength(1, "must not be empty")),
});

const JwtInput = v.strictObject({
  /** HS256 signing secret shared with the tenant's backend; stored encrypted, never returned. */
  secret: v.optional(v.nullable(v.pipe(v.string(), v.minLength(32, "at least 32 characters"), v.maxLength(1024)))),
  jwksUrl: v.optional(v.nullable(JwksUrl)),
  issuer: v.optional(v.nullable(v.pipe(line(1000), v.minLength(1)))),
  audience: v.optional(v.nullable(v.pipe(line(1000), v.minLength(1)))),
});

const tenantFields = {
  allowedOrigins: v.optional(v.pipe(v.array(Origin), v.maxLength(100))),
  guestsAllowed: v.optional(v.boolean()),
  /** Replaces the whole policy (unset fields fall back to the server's defaults). */
  modelPolicy: v.optional(SizedModelPolicySchema),
  /** Replaces the tenant's rate limits and quotas (unset fields: the server's defaults; 0 = off). */
  limits: v.optional(TenantLimitsSchema),
  /** Replaces the tenant's billing policy (README "Billing"; unset fields: the defaults). */
  billing: v.optional(BillingPolicySchema),
  /** Bring your own OpenAI-compatible provider; `null` removes it. */
  provider: v.optional(v.nullable(ProviderInput)),
  /** End-user JWT verification; a `null` field removes that setting. */
  jwt: v.optional(JwtInput),
};

const NO_NUL = "strings must not contain NUL characters";

export const CreateTenant = v.pipe(
  v.strictObject({ id: v.optional(TenantId), name: Name, ...tenantFields }),
  v.check((input) => !containsNul(input), NO_NUL),
);
export const UpdateTenant = v.pipe(
  v.strictObject({ name: v.optional(Name), ...tenantFields }),
  v.check((input) => !containsNul(input), NO_NUL),
);

export const CreateKey = v.strictObject({ kind: v.picklist(KEY_KINDS), name: v.optional(v.pipe(line(100), v.trim(), v.minLength(1))) });

/** Server-generated ids (users, chats, keys): letters, digits and `_ . : -`. */
export const ObjectId = v.pipe(v.string(), v.regex(new RegExp(`^[\\w.:-]{1,${LIMITS.maxIdLength}}$`), `1 to ${LIMITS.maxIdLength} letters, digits or _ . : -`));

export const KeyParams = v.object({ tenantId: v.string(), keyId: ObjectId });
export const UserParams = v.object({ tenantId: v.string(), userId: ObjectId });
export const UserChatParams = v.object({ tenantId: v.string(), userId: ObjectId, chatId: ObjectId });

export const UserListQuery = v.object({
  limit: v.optional(
    v.pipe(v.string(), v.description("Users per page, 1 to 100 (default 50)"), v.regex(/^\d{1,3}$/, "an integer from 1 to 100"), v.transform(Number), v.minValue(1, "an integer from 1 to 100"), v.maxValue(100, "an integer from 1 to 100")),
    "50",
  ),
  cursor: v.optional(v.pipe(v.string(), v.description("`nextCursor` of the previous page"), v.maxLength(512))),
});

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
export const IsoDate = v.pipe(
  v.string(),
  v.check(isIsoDate, "an ISO 8601 date (2025-01-31) or date-time with offset (2025-01-31T12:00:00Z)"),
  v.transform((raw) => new Date(raw)),
);

/** The window is [since, until); default: the 30 days before now. */
export const UsageQuery = v.pipe(
  v.object({
    since: v.optional(v.pipe(IsoDate, v.description("Start of the window (inclusive); default: 30 days before until"))),
    until: v.optional(v.pipe(IsoDate, v.description("End of the window (exclusive); default: now"))),
  }),
  v.check(({ since, until }) => !since || !until || since.getTime() <= until.getTime(), "since: must not be after until"),
);

function isIsoDate(raw: string): boolean {
  if (!ISO_DATE.test(raw) || raw.includes("T24")) return false;
  // `new Date("2025-02-31")` rolls over into March: the calendar date must survive the trip.
  const [year, month, day] = raw.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return !Number.isNaN(new Date(raw).getTime());
}

function urlOf(raw: string, protocols: string[]): URL | null {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && !url.username && !url.password ? url : null;
  } catch {
    return null;
  }
}

function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === "object") return Object.entries(value).some(([key, item]) => key.includes("\u0000") || containsNul(item));
  return false;
}
