/**
 * The server's rate limits, quotas and connection budgets in one place (README "Limits"): each
 * check resolves the tenant's limits (its `limits` over the server's defaults), counts, and
 * past a limit throws `rate_limited` (429) with `retryAfterMs` and a message naming the limit.
 *
 * Sign-ins count per client address per tenant (a flood against one site does not lock out
 * another's visitors); sends per user and per tenant; new chats per user per day; running
 * answers per user; live tails per user and per process. Counts of sign-ins, sends and chats
 * are in `counters` (Postgres when the server has DATABASE_URL: shared by every app server);
 * running answers are counted in Postgres; tails in this process's memory.
 */
import { DomainError } from "../domain-error.js";
import type { EndUser } from "../env.js";
import { pickTenantLimits, resolveLimits, type ResolvedTenantLimits } from "../tenants/limits.js";
import type { TenantStore } from "../tenants/tenant-store.js";
import { addressBucket, clientAddress, type TrustProxy } from "./client-ip.js";
import type { Counters } from "./counters.js";
import type { CountRunningAnswers } from "./running-answers.js";
import type { TailSlot, TailSlots } from "./tail-slots.js";

/** A count taken for a request; `refund()` gives it back when the request did not do the thing. */
export interface Charge {
  refund(): Promise<void>;
}

export interface Limits {
  /** The tenant's effective limits (the server's defaults for a tenant without a row). */
  limitsOf(tenantId: string): Promise<ResolvedTenantLimits>;
  /** The address a request counts by: the peer, or X-Forwarded-For from a trusted proxy. */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string | null;
  /** One sign-in (guest or JWT) from `address` on the tenant's site. */
  signIn(tenantId: string, address: string | null): Promise<void>;
  /**
   * One new message of `user` in `chatId`: per user, per tenant, and answers running elsewhere
   * (`known.runningElsewhere` when the caller has just counted them, as a turn's lookup does;
   * otherwise counted here).
   */
  send(user: EndUser, chatId: string, known?: { runningElsewhere?: number }): Promise<Charge>;
  /** One new chat of `user` today. */
  createChat(user: EndUser): Promise<Charge>;
  /** A live tail of `user` on this process; release the slot when the tail ends. */
  openTail(user: EndUser): Promise<TailSlot>;
  readonly counters: Counters;
  readonly tails: TailSlots;
}

export interface LimitsDeps {
  counters: Counters;
  tails: TailSlots;
  tenants: Pick<TenantStore, "cached">;
  defaults: ResolvedTenantLimits;
  countRunningAnswers: CountRunningAnswers;
  trustProxy: TrustProxy;
}

const MINUTE = 60;
const DAY = 24 * 60 * 60;
/** A refused tail or a full answer budget: when to look again (nothing tells us sooner). */
const TAIL_RETRY_MS = 5_000;
const RUNNING_RETRY_MS = 2_000;

export function createLimits(deps: LimitsDeps): Limits {
  const { counters } = deps;
  const defaults = pickTenantLimits(deps.defaults);
  // The tenant store caches the row (tenants/tenant-store.ts: a flood of refused requests costs
  // no tenant query each); resolved once per row it hands out.
  const resolved = new WeakMap<object, ResolvedTenantLimits>();
  const serverDefaults = resolveLimits({}, defaults);
  async function limitsOf(tenantId: string): Promise<ResolvedTenantLimits> {
    const tenant = await deps.tenants.cached(tenantId);
    if (!tenant) return serverDefaults;
    let limits = resolved.get(tenant);
    if (!limits) resolved.set(tenant, (limits = resolveLimits(tenant.limits, defaults)));
    return limits;
  }

  /** Counts one hit; throws past the limit. 0 = the limit is off. */
  async function take(bucket: string, key: string, points: number, durationSec: number, refused: (retryAfterMs: number) => string): Promise<Charge> {
    if (points <= 0) return { refund: async () => undefined };
    const taken = await counters.take(bucket, key, points, durationSec);
    if (!taken.ok) throw new DomainError("rate_limited", refused(taken.retryAfterMs), { retryAfterMs: taken.retryAfterMs });
    return { refund: () => counters.refund(bucket, key, points, durationSec) };
  }

  return {
    limitsOf,
    counters,
    tails: deps.tails,
    clientAddress: (peer, forwardedFor) => clientAddress(peer, forwardedFor, deps.trustProxy),
    async signIn(tenantId, address) {
      const { signInsPerMinute: n } = await limitsOf(tenantId);
      await take("signin", `${tenantId}:${address === null ? "unknown" : addressBucket(address)}`, n, MINUTE, (ms) =>
        `too many sign-ins from this address: at most ${n} per minute on this site (signInsPerMinute); retry in ${seconds(ms)}`,
      );
    },
    async send(user, chatId, known) {
      const limits = await limitsOf(user.tenantId);
      const mine = await take("send-user", user.id, limits.sendsPerMinute, MINUTE, (ms) =>
        `too many messages: at most ${limits.sendsPerMinute} per minute per user (sendsPerMinute); retry in ${seconds(ms)}`,
      );
      let site: Charge;
      try {
        site = await take("send-tenant", user.tenantId, limits.tenantSendsPerMinute, MINUTE, (ms) =>
          `this site's users are sending too many messages: at most ${limits.tenantSendsPerMinute} per minute for the whole site (tenantSendsPerMinute); retry in ${seconds(ms)}`,
        );
      } catch (error) {
        await mine.refund();
        throw error;
      }
      const charge = { refund: async () => void (await Promise.all([mine.refund(), site.refund()])) };
      const cap = limits.runningAnswersPerUser;
      if (cap > 0 && (known?.runningElsewhere ?? (await deps.countRunningAnswers(user.id, chatId))) >= cap) {
        await charge.refund();
        throw new DomainError("rate_limited", `too many answers running: at most ${cap} at once per user (runningAnswersPerUser); retry when one has finished`, {
          retryAfterMs: RUNNING_RETRY_MS,
        });
      }
      return charge;
    },
    async createChat(user) {
      const { chatsPerDay: n } = await limitsOf(user.tenantId);
      return take("chats-day", user.id, n, DAY, (ms) => `too many new chats: at most ${n} per day per user (chatsPerDay); retry in ${seconds(ms)}`);
    },
    async openTail(user) {
      const { tailsPerUser } = await limitsOf(user.tenantId);
      const slot = deps.tails.acquire(user.id, tailsPerUser);
      if (slot === "tailsPerUser") {
        throw new DomainError("rate_limited", `too many live tails open: at most ${tailsPerUser} per user (tailsPerUser); close one (another tab or chat) and retry`, {
          retryAfterMs: TAIL_RETRY_MS,
        });
      }
      if (slot === "tailsPerProcess") {
        throw new DomainError("rate_limited", `this server holds as many live tails as it can (tailsPerProcess: ${deps.tails.processLimit}); retry shortly`, {
          retryAfterMs: TAIL_RETRY_MS,
        });
      }
      return slot;
    },
  };
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.ceil(s / 60)} min`;
  return `${Math.ceil(s / 3_600)} h`;
}
