/**
 * Server configuration from environment variables (documented in the package README). Every
 * option has a default that runs the whole product embedded on one machine.
 */
import * as v from "valibot";
import { DEFAULT_TOPUP_AMOUNTS_USD, parseApiBase, parseTopUpAmounts, type StripeSettings } from "./billing/stripe/settings.js";
import { heapSemiSpaceMb } from "./cli/v8-start-flags.js";
import { nonNegativeInt as int } from "./env-int.js";
import { compileTrustedProxies } from "./limits/client-ip.js";
import { DEFAULT_SETTINGS, type LimitSettings, type ModelSettings, type ServerSettings } from "./settings.js";
import { ModelPolicySchema } from "./tenants/policy.js";

export interface ServerConfig {
  host: string;
  port: number;
  /** Public URL of this server (Better Auth needs it): PUBLIC_URL, else http://HOST:PORT. */
  baseUrl: string;
  dataDir: string;
  /** Postgres; unset = embedded PGlite under dataDir. */
  databaseUrl?: string;
  /**
   * DATABASE_PREPARED_STATEMENTS: the hot path's statements as named prepared statements on
   * DATABASE_URL (db/sql.ts); default on. Off for a pooler that drops them between transactions
   * (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
   */
  databasePreparedStatements?: boolean;
  /** Remote Prisma Streams server; unset = embedded streams-local under dataDir. */
  streamsUrl?: string;
  /** EMBEDDED_THREADS: the embedded PGlite and streams-local each on a worker thread (threads/host.ts); default on. */
  embeddedThreads?: boolean;
  streamsApiKey?: string;
  /** OpenAI-compatible provider; unset = our local model server (tests and offline demo). */
  model?: { baseURL: string; apiKey: string; name: string };
  defaultModel: string;
  authSecret?: string;
  /** Seals tenants' secrets at rest (ENCRYPTION_KEY); unset = a key kept in DATA_DIR/encryption-key. */
  encryptionKey?: string;
  /** How long shutdown waits for running answers before closing them as stopped. */
  shutdownGraceMs?: number;
  /** HEAP_GROWTH_PERCENT (heap-growth.ts), default 20; 0 (undefined here) = V8's own rule. */
  heapGrowthPercent?: number;
  /** HEAP_QUIET_AFTER_MS (quiet-heap.ts), default 10,000; 0 (undefined here) = never. */
  heapQuietAfterMs?: number;
  /** HEAP_SEMI_SPACE_MB (cli/v8-start-flags.ts): V8's `--max-semi-space-size` for `open-chat serve`, default 16 (DEFAULT_HEAP_SEMI_SPACE_MB); 0 (undefined here) = V8's own size. */
  heapSemiSpaceMb?: number;
  /** METRICS_PORT (METRICS_HOST, METRICS_TOKEN): Prometheus metrics on a port of their own (metrics/metrics-server.ts); unset = none. */
  metrics?: MetricsListenerConfig;
  settings: ServerSettings;
}

export interface MetricsListenerConfig {
  host: string;
  /** 0 = any free port. */
  port: number;
  token?: string;
}

/**
 * The heap's defaults (heap-growth.ts, cli/v8-start-flags.ts): together, at 10,000 idle tails
 * 983 → 518 MB, and at 100 answers 349–398 → 206–232 MB with token latency within the noise
 * for ~2 points more CPU (package README, "A lean heap by default").
 */
const DEFAULT_HEAP_GROWTH_PERCENT = 20;

/**
 * Quiet for this long, V8 favours memory (quiet-heap.ts): at 10,000 idle tails 542–564 → 422–431 MB.
 * Short enough that a process goes quiet soon after a burst of tail openings; a request or an
 * answer ends it at once.
 */
const DEFAULT_HEAP_QUIET_AFTER_MS = 10_000;

const OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1";

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const host = env.HOST ?? "127.0.0.1";
  const port = int(env, "PORT", 3000);
  const defaultModel = env.MODEL ?? (env.OPENROUTER_API_KEY ? "openai/gpt-4o-mini" : "open-chat-local");
  let model: ServerConfig["model"];
  if (env.OPENROUTER_API_KEY) model = { baseURL: OPENROUTER_BASE_URL, apiKey: env.OPENROUTER_API_KEY, name: "OpenRouter" };
  else if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) {
    model = { baseURL: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1", apiKey: env.OPENAI_API_KEY ?? "", name: env.OPENAI_BASE_URL ?? "OpenAI" };
  }
  const defaults = DEFAULT_SETTINGS;
  return {
    host,
    port,
    baseUrl: publicUrl(env.PUBLIC_URL) ?? `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    dataDir: env.DATA_DIR ?? ".data",
    databaseUrl: env.DATABASE_URL || undefined,
    databasePreparedStatements: onOff(env, "DATABASE_PREPARED_STATEMENTS", true),
    streamsUrl: env.STREAMS_URL || undefined,
    streamsApiKey: env.STREAMS_API_KEY || undefined,
    embeddedThreads: onOff(env, "EMBEDDED_THREADS", true),
    model,
    defaultModel,
    authSecret: env.AUTH_SECRET || env.BETTER_AUTH_SECRET || undefined,
    encryptionKey: env.ENCRYPTION_KEY || undefined,
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", 10_000),
    ...heapGrowth(env),
    ...heapQuiet(env),
    ...heapSemiSpace(env),
    ...metricsListener(env),
    settings: {
      holder: env.HOLDER_ID ?? defaults.holder,
      generation: {
        idleMs: int(env, "GENERATION_IDLE_TIMEOUT_MS", defaults.generation.idleMs),
        totalMs: int(env, "GENERATION_TOTAL_TIMEOUT_MS", defaults.generation.totalMs),
        leaseMs: positive(env, "GENERATION_LEASE_MS", defaults.generation.leaseMs),
        appendIntervalMs: int(env, "GENERATION_APPEND_INTERVAL_MS", defaults.generation.appendIntervalMs),
        ...(env.GENERATION_APPEND_INTERVAL_MAX_MS ? { appendIntervalMaxMs: int(env, "GENERATION_APPEND_INTERVAL_MAX_MS", 0) } : {}),
        outageMs: int(env, "GENERATION_OUTAGE_MS", defaults.generation.outageMs),
      },
      takeover: {
        sweepMs: positive(env, "GENERATION_SWEEP_MS", defaults.takeover.sweepMs),
        continueAnswers: bool(env, "GENERATION_CONTINUE", defaults.takeover.continueAnswers),
        maxResumes: int(env, "GENERATION_MAX_RESUMES", defaults.takeover.maxResumes),
      },
      tail: {
        heartbeatMs: int(env, "TAIL_HEARTBEAT_MS", defaults.tail.heartbeatMs),
        retryMs: int(env, "TAIL_RETRY_MS", defaults.tail.retryMs),
        longPollMs: Math.min(int(env, "TAIL_LONG_POLL_MS", defaults.tail.longPollMs), 5_000),
        sessionCheckMs: positive(env, "TAIL_SESSION_CHECK_MS", defaults.tail.sessionCheckMs),
        ...tailUpstream(env.TAIL_UPSTREAM),
        parkAfterMs: int(env, "TAIL_PARK_AFTER_MS", defaults.tail.parkAfterMs ?? 0),
      },
      systemPrompt: env.SYSTEM_PROMPT || undefined,
      models: modelSettings(env, defaults.models),
      operatorKey: operatorKey(env.OPERATOR_KEY),
      limits: limitSettings(env, defaults.limits),
      guests: {
        retentionDays: int(env, "GUEST_RETENTION_DAYS", defaults.guests.retentionDays),
        purgeIntervalMs: positive(env, "GUEST_PURGE_INTERVAL_MS", defaults.guests.purgeIntervalMs),
      },
      corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(",").map((o) => o.trim()) : "*",
      stripe: stripeSettings(env),
      billing: { enabled: onOff(env, "BILLING", false), ...(env.PRICE_CATALOG ? { priceCatalogPath: env.PRICE_CATALOG } : {}) },
    },
  };
}

/**
 * ALLOWED_MODELS (comma-separated), MAX_OUTPUT_TOKENS, CONTEXT_TOKENS: checked by the same
 * rules as a tenant's model policy, and the answer must leave room for a prompt.
 */
function modelSettings(env: NodeJS.ProcessEnv, defaults: ModelSettings): ModelSettings {
  const models: ModelSettings = {
    allowed: env.ALLOWED_MODELS ? env.ALLOWED_MODELS.split(",").map((m) => m.trim()).filter(Boolean) : defaults.allowed,
    maxOutputTokens: int(env, "MAX_OUTPUT_TOKENS", defaults.maxOutputTokens),
    contextTokens: int(env, "CONTEXT_TOKENS", defaults.contextTokens),
  };
  const checked = v.safeParse(ModelPolicySchema, { allowedModels: models.allowed, maxOutputTokens: models.maxOutputTokens, contextTokens: models.contextTokens });
  if (!checked.success) {
    const names: Record<string, string> = { allowedModels: "ALLOWED_MODELS", maxOutputTokens: "MAX_OUTPUT_TOKENS", contextTokens: "CONTEXT_TOKENS" };
    const issue = checked.issues[0];
    const key = String(issue.path?.[0]?.key ?? "");
    throw new Error(`${names[key] ?? "model settings"}: ${issue.message}`);
  }
  if (models.maxOutputTokens >= models.contextTokens) {
    throw new Error(`MAX_OUTPUT_TOKENS (${models.maxOutputTokens}) must be less than CONTEXT_TOKENS (${models.contextTokens}): the prompt needs room too`);
  }
  return models;
}

/** Rate limits, quotas and connection budgets (README "Limits"); 0 turns one off. */
function limitSettings(env: NodeJS.ProcessEnv, defaults: LimitSettings): LimitSettings {
  const trustedProxies = env.TRUSTED_PROXIES ? env.TRUSTED_PROXIES.split(",").map((p) => p.trim()).filter(Boolean) : defaults.trustedProxies;
  compileTrustedProxies(trustedProxies); // refuses a bad entry at start-up, naming the variable
  const tailsPerProcess = env.MAX_TAILS_PER_PROCESS ? int(env, "MAX_TAILS_PER_PROCESS", 0) : defaults.tailsPerProcess;
  return {
    signInsPerMinute: int(env, "RATE_SIGNINS_PER_MINUTE", defaults.signInsPerMinute),
    sendsPerMinute: int(env, "RATE_SENDS_PER_MINUTE", defaults.sendsPerMinute),
    tenantSendsPerMinute: int(env, "RATE_TENANT_SENDS_PER_MINUTE", defaults.tenantSendsPerMinute),
    chatsPerDay: int(env, "QUOTA_CHATS_PER_DAY", defaults.chatsPerDay),
    runningAnswersPerUser: int(env, "MAX_RUNNING_ANSWERS_PER_USER", defaults.runningAnswersPerUser),
    tailsPerUser: int(env, "MAX_TAILS_PER_USER", defaults.tailsPerUser),
    ...(tailsPerProcess === undefined ? {} : { tailsPerProcess }),
    ...(env.MAX_RUNNING_ANSWERS_PER_PROCESS ? { runningAnswersPerProcess: int(env, "MAX_RUNNING_ANSWERS_PER_PROCESS", 0) } : {}),
    trustedProxies,
  };
}

/** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE, TOPUP_AMOUNTS_USD (README "Billing"). */
function stripeSettings(env: NodeJS.ProcessEnv): StripeSettings {
  return {
    ...(env.STRIPE_SECRET_KEY ? { secretKey: env.STRIPE_SECRET_KEY } : {}),
    ...(env.STRIPE_WEBHOOK_SECRET ? { webhookSecret: env.STRIPE_WEBHOOK_SECRET } : {}),
    ...(env.STRIPE_API_BASE ? { apiBase: parseApiBase(env.STRIPE_API_BASE) } : {}),
    topUpAmountsUsd: env.TOPUP_AMOUNTS_USD ? parseTopUpAmounts(env.TOPUP_AMOUNTS_USD) : DEFAULT_TOPUP_AMOUNTS_USD,
  };
}

/** The operator key opens the admin API for every tenant: short ones would be guessable. */
function operatorKey(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 32) throw new Error("OPERATOR_KEY must be at least 32 characters (e.g. openssl rand -base64 32)");
  return raw;
}

/** PUBLIC_URL must be an absolute http(s) URL (not e.g. a bundler's "/" base path). */
function publicUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`PUBLIC_URL must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return url.origin;
}

/** HEAP_GROWTH_PERCENT: 1–400 (V8's own rule grows the heap by up to 4× its live size); 0 = V8's rule. */
function heapGrowth(env: NodeJS.ProcessEnv): { heapGrowthPercent?: number } {
  const percent = int(env, "HEAP_GROWTH_PERCENT", DEFAULT_HEAP_GROWTH_PERCENT);
  if (percent > 400) throw new Error(`HEAP_GROWTH_PERCENT must be at most 400, got ${JSON.stringify(env.HEAP_GROWTH_PERCENT)}`);
  return percent ? { heapGrowthPercent: percent } : {};
}

/** HEAP_QUIET_AFTER_MS: milliseconds; 0 = the heap never goes into its quiet mode. */
function heapQuiet(env: NodeJS.ProcessEnv): { heapQuietAfterMs?: number } {
  const ms = int(env, "HEAP_QUIET_AFTER_MS", DEFAULT_HEAP_QUIET_AFTER_MS);
  return ms ? { heapQuietAfterMs: ms } : {};
}

/** HEAP_SEMI_SPACE_MB, read by the start-up restart's own rule (cli/v8-start-flags.ts). */
function heapSemiSpace(env: NodeJS.ProcessEnv): { heapSemiSpaceMb?: number } {
  const mb = heapSemiSpaceMb(env);
  return mb ? { heapSemiSpaceMb: mb } : {};
}

/**
 * METRICS_PORT turns the metrics listener on (0 = any free port), on METRICS_HOST (default
 * 127.0.0.1: the metrics say how loaded the server is, not for the world); METRICS_TOKEN, when
 * set, is the bearer token a scrape must send — at least 16 characters.
 */
function metricsListener(env: NodeJS.ProcessEnv): { metrics?: MetricsListenerConfig } {
  if (env.METRICS_PORT === undefined || env.METRICS_PORT === "") {
    for (const name of ["METRICS_HOST", "METRICS_TOKEN"]) if (env[name]) throw new Error(`${name} is set but METRICS_PORT is not: set METRICS_PORT to serve the metrics`);
    return {};
  }
  const port = int(env, "METRICS_PORT", 0);
  if (port > 65_535) throw new Error(`METRICS_PORT must be a port number (0–65535), got ${JSON.stringify(env.METRICS_PORT)}`);
  const token = env.METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) throw new Error("METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -base64 24)");
  return { metrics: { host: env.METRICS_HOST || "127.0.0.1", port, ...(token ? { token } : {}) } };
}

/** Intervals that must not be 0 (a 0 ms lease or sweep would spin). */
function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = int(env, name, fallback);
  if (value === 0) throw new Error(`${name} must be a positive integer, got "0"`);
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on" || raw === "true" || raw === "1") return true;
  if (raw === "off" || raw === "false" || raw === "0") return false;
  throw new Error(`${name} must be on or off, got ${JSON.stringify(raw)}`);
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** TAIL_UPSTREAM: `live` or `long-poll`; unset, runtime.ts picks `live`. */
function tailUpstream(raw: string | undefined): { upstream?: "live" | "long-poll" } {
  if (!raw) return {};
  if (raw !== "live" && raw !== "long-poll") throw new Error(`TAIL_UPSTREAM must be "live" or "long-poll", got ${JSON.stringify(raw)}`);
  return { upstream: raw };
}
