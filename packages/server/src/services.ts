/**
 * The server's composition root below the HTTP layer: every dependency is injected here
 * (database, auth, streams, model, clock, stop bus), never reached through globals, so tests
 * pass real components through the same seams production uses.
 */
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "./generated/prisma/client.js";
import { prismaSql, type Sql } from "./db/sql.js";
import { createBilling, type TurnBilling } from "./billing/billing.js";
import { createLedger } from "./billing/ledger.js";
import { loadPriceCatalog } from "./billing/prices.js";
import type { Ledger } from "./billing/ledger-types.js";
import { createStripeBilling, type StripeBilling } from "./billing/stripe/index.js";
import { createFeedbackStore, type FeedbackStore } from "./annotations/feedback-store.js";
import { createChatRepository, type ChatRepository } from "./chats/repository.js";
import { createChatStates, type ChatStates } from "./log/chat-states.js";
import type { EndUser } from "./env.js";
import { createModelClient, type ModelClient } from "./generation/model-client.js";
import { createGenerationRegistry, type GenerationRegistry } from "./generation/registry.js";
import { createLeaseStore, type LeaseStore } from "./leases/lease-store.js";
import { compileTrustedProxies } from "./limits/client-ip.js";
import { createMemoryCounters, type Counters } from "./limits/counters.js";
import { FALLBACK_TAILS_PER_PROCESS } from "./limits/fd-budget.js";
import { createLimits, type Limits } from "./limits/limits.js";
import { createAnswerAdmission, DEFAULT_RUNNING_ANSWERS_PER_PROCESS, type AnswerAdmission } from "./limits/answer-admission.js";
import { runningAnswersCounter } from "./limits/running-answers.js";
import { createTailSlots } from "./limits/tail-slots.js";
import { createLocalStopBus, type StopBus } from "./leases/stop-bus.js";
import { startLeaseSweeper, type LeaseSweeper } from "./leases/sweeper.js";
import { createUserStreams, type UserStream } from "./log/user-streams.js";
import type { StreamsClient } from "./streams/client/types.js";
import type { Auth } from "./auth/auth.js";
import { createLiveSessions, type LiveSessions } from "./auth/live-sessions.js";
import { DEFAULT_SETTINGS, type ServerSettings } from "./settings.js";
import { createModelPolicies, type ModelPolicies } from "./tenants/model-policies.js";
import { createSecretBox } from "./tenants/secret-box.js";
import { createTenantStore, type TenantStore } from "./tenants/tenant-store.js";
import { parseStopMessage } from "./turns/stop-turn.js";
import { createTurns, type Turns } from "./turns/turns.js";
import type { PeriodicJob } from "./jobs/periodic.js";
import { startGuestPurge } from "./users/guest-purge.js";
import { startStaleHoldSweep } from "./billing/stale-holds.js";
import type { WakeListener } from "./streams/wake/wake-listener.js";
import { createStreamHub, type StreamHub } from "./log/stream-hub.js";
import { createHeartbeats, type Heartbeats } from "./http/heartbeats.js";
import { createMetrics, type Metrics, type TakeoverOutcome } from "./metrics/metrics.js";

/** A credit hold this old with nothing ending it is stale: far past any answer's total time (10 min). */
const STALE_HOLD_MS = 60 * 60_000;
const STALE_HOLD_SWEEP_MS = 10 * 60_000;

export interface AppDeps {
  prisma: PrismaClient;
  auth: Auth;
  streams: StreamsClient;
  models: ModelClient;
  clock?: () => Date;
  settings?: Partial<ServerSettings>;
  /**
   * Wakes the holder of an answer that is stopped from another process. Default: in-process
   * only (one process); `startServer` passes Postgres LISTEN/NOTIFY on a real database.
   */
  stopBus?: StopBus;
  /**
   * Server key that seals tenants' secrets at rest (ENCRYPTION_KEY). Default: a random key for
   * this process only (tests); `startServer` always passes a lasting one.
   */
  encryptionKey?: string;
  /**
   * Where rate-limit and quota counts live. Default: this process's memory (embedded mode,
   * tests); `startServer` passes Postgres counters on a real database (shared by app servers).
   */
  counters?: Counters;
  /**
   * The wake notices of a remote streams tier (streams/wake/): live tails of a quiet user
   * stream park their upstream read and wait for them. Default: none (never parked).
   */
  wakes?: WakeListener;
  /**
   * Runs the statements of every send and answer (db/sql.ts). Default: through `prisma`;
   * `startServer` passes its pg pool, at a third of Prisma's CPU per statement.
   */
  sql?: Sql;
}

export interface Services {
  prisma: PrismaClient;
  auth: Auth;
  streams: StreamsClient;
  models: ModelClient;
  clock: () => Date;
  settings: ServerSettings;
  chats: ChatRepository;
  /** Tenants, their keys and sealed secrets. */
  tenants: TenantStore;
  /** Each tenant's effective model policy and the model client its answers go to. */
  modelPolicies: ModelPolicies;
  leases: LeaseStore;
  stopBus: StopBus;
  generations: GenerationRegistry;
  /** Send (or edit), regenerate, stop and resume a chat's turns (turns/). */
  turns: Turns;
  /** Each answer's current 👍/👎 (annotations/feedback-store.ts), for the admin API. */
  feedback: FeedbackStore;
  /** Creates the user's stream once per process (PUT is idempotent, so a race is harmless). */
  ensureUserStream(user: EndUser): Promise<UserStream>;
  /**
   * Starts this process's lease sweeper (one pass now, then every `takeover.sweepMs`): answers
   * whose holder died are ended or continued here. `startServer` calls it; tests may too.
   */
  startTakeover(): LeaseSweeper;
  /** Starts deleting guests unused for `settings.guests.retentionDays` (null when that is 0). */
  startGuestPurge(): PeriodicJob<number> | null;
  /** Starts ending credit holds that nothing else will end (billing/stale-holds.ts). */
  startStaleHoldSweep(): PeriodicJob<number>;
  /** The sessions behind this process's live tails, checked together (auth/live-sessions.ts). */
  liveSessions: LiveSessions;
  /** Chats folded as their logs stand, kept between reads by this process (log/chat-states.ts). */
  chatStates: ChatStates;
  /** Rate limits, quotas and live-tail slots (limits/). */
  limits: Limits;
  /** This process's cap on running answers: a send past it is a 503 at once (limits/answer-admission.ts). */
  admission: AnswerAdmission;
  /** The credit ledger (billing/ledger.ts): every account's balance and reservations. */
  ledger: Ledger;
  /** Answers' reserve → settle, prices, tenants' billing policies, usage metering (billing/billing.ts). */
  billing: TurnBilling;
  /** Stripe top-ups, its webhook, operator grants and the billing stream (billing/stripe/). */
  stripe: StripeBilling;
  /** Wake notices of a remote streams tier, followed by this process (none: tails never park). */
  wakes?: WakeListener;
  /** One upstream read per user stream, shared by every live SSE tail of it here (log/stream-hub.ts). */
  streamHub: StreamHub;
  /** Every live SSE tail's heartbeat, on one timer (http/heartbeats.ts). */
  heartbeats: Heartbeats;
  /** This process's Prometheus metrics (metrics/metrics.ts), served on METRICS_PORT by the runtime. */
  metrics: Metrics;
}

export function createServices(deps: AppDeps): Services {
  const clock = deps.clock ?? (() => new Date());
  const settings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const sql = deps.sql ?? prismaSql(deps.prisma);
  const chats = createChatRepository(deps.prisma, clock, sql);
  const leases = createLeaseStore(deps.prisma, clock, sql);
  const tenants = createTenantStore(deps.prisma, createSecretBox(deps.encryptionKey ?? randomBytes(32).toString("base64url")), clock);
  const stopBus = deps.stopBus ?? createLocalStopBus();
  const modelPolicies = createModelPolicies({
    tenants,
    defaults: { defaultModel: deps.models.defaultModel, allowedModels: settings.models.allowed, maxOutputTokens: settings.models.maxOutputTokens, contextTokens: settings.models.contextTokens, systemPrompt: settings.systemPrompt },
    defaultClient: deps.models,
    createClient: createModelClient,
  });
  const ledger = createLedger(deps.prisma, clock, sql);
  const billingSettings = settings.billing ?? { enabled: false };
  const billing = createBilling({ prisma: deps.prisma, sql, ledger, prices: loadPriceCatalog(billingSettings.priceCatalogPath), settings: billingSettings, clock });
  const generations = createGenerationRegistry({
    streams: deps.streams,
    models: deps.models,
    leases,
    clock,
    holder: settings.holder,
    limits: settings.generation,
    billing,
  });
  stopBus.subscribe((payload) => {
    const stop = parseStopMessage(payload);
    if (stop) generations.stop(stop.chatId, stop.by);
  });
  const ensureUserStream = createUserStreams(deps.streams, deps.prisma);
  // Folded chats kept between sends, edits, selections and feedback: a turn reads only what is new.
  const chatStates = createChatStates(deps.streams);
  const liveSessions = createLiveSessions({ sql, intervalMs: settings.tail.sessionCheckMs, clock });
  // A sign-out, deletion or merge in this process ends that session's live tails at once.
  deps.auth.sessions.onForget((gone) => liveSessions.revoke(gone));
  const turns = createTurns({
    chats,
    chatStates,
    leases,
    generations,
    stopBus,
    streams: deps.streams,
    ensureUserStream,
    clock,
    modelPolicies,
    billing,
    holder: settings.holder,
    leaseMs: settings.generation.leaseMs,
    sweepMs: settings.takeover.sweepMs,
    continueAnswers: settings.takeover.continueAnswers,
    maxResumes: settings.takeover.maxResumes,
  });
  const takeovers: Record<TakeoverOutcome, number> = { continued: 0, stopped: 0, error: 0, released: 0 };
  const startTakeover = () =>
    startLeaseSweeper({
      store: leases,
      holder: settings.holder,
      leaseMs: settings.generation.leaseMs,
      intervalMs: settings.takeover.sweepMs,
      onTakeover: async (lease) => void takeovers[await turns.resume(lease)]++,
    });
  const limits = createLimits({
    counters: deps.counters ?? createMemoryCounters(),
    tails: createTailSlots(settings.limits.tailsPerProcess ?? FALLBACK_TAILS_PER_PROCESS),
    tenants,
    defaults: settings.limits,
    countRunningAnswers: runningAnswersCounter(deps.prisma),
    trustProxy: compileTrustedProxies(settings.limits.trustedProxies),
  });
  const admission = createAnswerAdmission({
    cap: settings.limits.runningAnswersPerProcess ?? DEFAULT_RUNNING_ANSWERS_PER_PROCESS,
    running: () => generations.running,
  });
  const stripe = createStripeBilling({ prisma: deps.prisma, streams: deps.streams, ledger, clock, settings: settings.stripe });
  const startGuestPurgeJob = () =>
    startGuestPurge({ prisma: deps.prisma, streams: deps.streams, clock }, { retentionDays: settings.guests.retentionDays, intervalMs: settings.guests.purgeIntervalMs });
  // With a remote tier's wake notices, a quiet stream's upstream read is parked meanwhile.
  const streamHub = createStreamHub({
    streams: deps.streams,
    upstream: settings.tail.upstream ?? "long-poll",
    longPollMs: settings.tail.longPollMs,
    ...(deps.wakes && settings.tail.parkAfterMs ? { wakes: deps.wakes, parkAfterMs: settings.tail.parkAfterMs } : {}),
  });
  const startStaleHolds = () => startStaleHoldSweep({ prisma: deps.prisma, ledger, clock }, { maxAgeMs: STALE_HOLD_MS, intervalMs: STALE_HOLD_SWEEP_MS });
  const metrics = createMetrics({
    answers: {
      get running() {
        return generations.running;
      },
      cap: admission.cap,
      finished: generations.stats,
    },
    tails: limits.tails,
    upstreams: () => streamHub.stats(),
    takeovers: () => takeovers,
  });
  return { ...deps, startGuestPurge: startGuestPurgeJob, startStaleHoldSweep: startStaleHolds, clock, settings, chats, tenants, modelPolicies, leases, stopBus, generations, turns, ensureUserStream, startTakeover, limits, admission, ledger, stripe, billing, feedback: createFeedbackStore(deps.prisma, clock), liveSessions, chatStates, streamHub, heartbeats: createHeartbeats({ intervalMs: settings.tail.heartbeatMs }), metrics };
}
