/**
 * A tenant's rate limits and quotas: how fast its visitors may sign in, send and create chats,
 * how many answers and live tails one end user may hold. Stored as JSON on the tenant row
 * (validated here on the way in and on the way out); anything unset falls back to the server's
 * defaults (RATE_SIGNINS_PER_MINUTE, RATE_SENDS_PER_MINUTE, RATE_TENANT_SENDS_PER_MINUTE,
 * QUOTA_CHATS_PER_DAY, MAX_RUNNING_ANSWERS_PER_USER, MAX_TAILS_PER_USER). `0` turns a limit off.
 * The process-wide tail budget and the trusted proxies are the server's alone (settings.ts).
 */
import * as v from "valibot";

const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));

export const TenantLimitsSchema = v.strictObject({
  /** Guest and JWT sign-ins per minute from one client IP (IPv6: one /64) on this site. */
  signInsPerMinute: v.optional(Count),
  /** Messages one end user may send per minute. */
  sendsPerMinute: v.optional(Count),
  /** Messages all of the site's end users together may send per minute. */
  tenantSendsPerMinute: v.optional(Count),
  /** Chats one end user may create per day (24 hours from the first one). */
  chatsPerDay: v.optional(Count),
  /** Answers one end user may have running at once (in different chats). */
  runningAnswersPerUser: v.optional(Count),
  /** Live tails (SSE and long-poll waits) one end user may hold open on one server process. */
  tailsPerUser: v.optional(Count),
});

export type TenantLimits = v.InferOutput<typeof TenantLimitsSchema>;
export type ResolvedTenantLimits = Required<TenantLimits>;
export type TenantLimitName = keyof ResolvedTenantLimits;

export const TENANT_LIMIT_NAMES = Object.keys(TenantLimitsSchema.entries) as TenantLimitName[];

/** A stored value that no longer validates (edited by hand) counts as empty, not as an outage. */
export function parseStoredLimits(stored: unknown): TenantLimits {
  const result = v.safeParse(TenantLimitsSchema, stored ?? {});
  return result.success ? result.output : {};
}

export function resolveLimits(limits: TenantLimits, defaults: ResolvedTenantLimits): ResolvedTenantLimits {
  return { ...defaults, ...limits };
}

/**
 * The first field of `limits` that is looser than the server's default (0 = off is the
 * loosest), or null. A tenant's own secret key may only tighten its limits; the operator may
 * set any value.
 */
export function looserThanDefaults(limits: TenantLimits, defaults: ResolvedTenantLimits): TenantLimitName | null {
  const looseness = (value: number) => (value === 0 ? Number.POSITIVE_INFINITY : value);
  for (const name of TENANT_LIMIT_NAMES) {
    const value = limits[name];
    if (value !== undefined && looseness(value) > looseness(defaults[name])) return name;
  }
  return null;
}

/** Just the per-tenant fields of a wider settings object. */
export function pickTenantLimits(from: ResolvedTenantLimits): ResolvedTenantLimits {
  return Object.fromEntries(TENANT_LIMIT_NAMES.map((name) => [name, from[name]])) as ResolvedTenantLimits;
}
