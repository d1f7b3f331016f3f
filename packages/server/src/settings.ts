/**
 * Tunable settings of one server process and their defaults. Their own module so that both
 * the configuration reader (config.ts) and the composition root (services.ts) import them
 * downward, instead of config.ts reaching up into the composition root.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { BillingSettings } from "./billing/billing.js";
import type { GenerationLimits } from "./generation/generator.js";
import type { StripeSettings } from "./billing/stripe/settings.js";
import type { ResolvedTenantLimits } from "./tenants/limits.js";
import { DEFAULT_CONTEXT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS } from "./tenants/policy.js";

export interface TakeoverSettings {
  /** Between two sweeps for expired leases (each process, plus one at start-up). */
  sweepMs: number;
  /** Continue a taken-over answer with the model (else close it as `generation_lost`). */
  continueAnswers: boolean;
  /** Takeovers one answer may have before it is closed as `generation_lost`. */
  maxResumes: number;
}

/**
 * The server-wide model policy (ALLOWED_MODELS, MAX_OUTPUT_TOKENS, CONTEXT_TOKENS): what every
 * tenant's policy starts from, and all of it for the built-in `default` tenant. The default
 * model is the model client's (MODEL) and is always allowed.
 */
export interface ModelSettings {
  /** Models a chat or send may name besides the default model. */
  allowed: string[];
  /** Sent to the provider as `max_tokens`. */
  maxOutputTokens: number;
  /** The model's context window: the prompt gets `contextTokens − maxOutputTokens`. */
  contextTokens: number;
}

/**
 * Rate limits, quotas and connection budgets (README "Limits"; 0 turns one off). The per-tenant
 * ones are each tenant's defaults (its `limits` override them); the process budget and the
 * trusted proxies are the server's alone.
 */
export interface LimitSettings extends ResolvedTenantLimits {
  /** Live tails this process holds at most; unset = derived at start from its open-file limit (limits/fd-budget.ts). */
  tailsPerProcess?: number;
  /**
   * Answers running in this process at most (MAX_RUNNING_ANSWERS_PER_PROCESS; 0 = no cap): a
   * send past it is refused at once with 503 overloaded (limits/answer-admission.ts). Unset: 150
   * with a remote streams tier, 75 with the embedded one (answer-admission.ts).
   */
  runningAnswersPerProcess?: number;
  /** Peers whose X-Forwarded-For is believed: IPs, CIDRs, `loopback`, `linklocal`, `uniquelocal` (TRUSTED_PROXIES). */
  trustedProxies: string[];
}

export interface ServerSettings {
  /** Identifies this process as a lease holder: unique per process start. */
  holder: string;
  generation: GenerationLimits;
  takeover: TakeoverSettings;
  /** sessionCheckMs: how often a live SSE tail re-checks its session (a sign-out ends it). */
  /** upstream: how a process's hub follows a user stream (log/stream-hub.ts); runtime.ts picks `"live"` unless told. */
  /** parkAfterMs: a remote tier's user stream quiet this long has its upstream read parked until a wake notice (unset or 0 = never). */
  tail: { heartbeatMs: number; retryMs: number; longPollMs: number; sessionCheckMs: number; upstream?: "live" | "long-poll"; parkAfterMs?: number };
  systemPrompt?: string;
  models: ModelSettings;
  /** Origins allowed to call the API from browsers; `*` for any (bearer tokens, no cookies). */
  corsOrigins: string[] | "*";
  /** Guests unused for `retentionDays` are deleted with their data (0 = never), checked every `purgeIntervalMs`. */
  guests: { retentionDays: number; purgeIntervalMs: number };
  /** Opens the admin API for all tenants (OPERATOR_KEY); unset = only tenants' secret keys. */
  operatorKey?: string;
  limits: LimitSettings;
  /** BILLING (on|off, default off) and PRICE_CATALOG (README "Billing"); unset = off, the checked-in prices. */
  billing?: BillingSettings;
  /** Stripe top-ups and webhook (STRIPE_*, TOPUP_AMOUNTS_USD); unset = no top-ups, amounts 5, 10, 25. */
  stripe?: StripeSettings;
}

/**
 * From a holder's death to `generation.resumed`: at most leaseMs + sweepMs (13 s by default).
 * Renewal is one statement per process every leaseMs / 3, touching each running answer's row:
 * 1,000 running answers cost 300 row updates per second.
 */
export const DEFAULT_SETTINGS: ServerSettings = {
  holder: `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
  generation: { idleMs: 60_000, totalMs: 10 * 60_000, leaseMs: 10_000, appendIntervalMs: 20, outageMs: 30_000 },
  takeover: { sweepMs: 3_000, continueAnswers: true, maxResumes: 3 },
  tail: { heartbeatMs: 15_000, retryMs: 1_000, longPollMs: 4_000, sessionCheckMs: 15_000, parkAfterMs: 60_000 },
  models: { allowed: [], maxOutputTokens: DEFAULT_MAX_OUTPUT_TOKENS, contextTokens: DEFAULT_CONTEXT_TOKENS },
  corsOrigins: "*",
  guests: { retentionDays: 30, purgeIntervalMs: 60 * 60_000 },
  limits: {
    // Per address per site: a school or office behind one NAT address signs in together.
    signInsPerMinute: 30,
    sendsPerMinute: 20,
    tenantSendsPerMinute: 600,
    chatsPerDay: 200,
    runningAnswersPerUser: 3,
    tailsPerUser: 20,
    trustedProxies: [],
  },
};
