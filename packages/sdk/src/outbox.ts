/**
 * The outbox: every send goes through it. Entries are persisted before the first attempt and
 * removed only when the server accepted them (`202`), so a send survives a lost response, a
 * network outage and a reload. Per chat, entries go out strictly in order, one at a time:
 *
 * - transport failures and 5xx: retried with backoff (and at once when the network returns);
 * - `409 generation_in_progress`: retry when the previous answer reaches a terminal state on the
 *   chat's tail or when the server's `retryAfterMs` (its lease's expiry) has passed, whichever
 *   comes first — a holder that died never writes the terminal event, takeover frees the chat
 *   soon after the expiry; `409 conflict` (the same message is being sent right now): retry;
 * - any other protocol error: the entry is dropped and its pending message marked `failed`.
 *
 * Every retry reuses the entry's clientMessageId, so the server counts one turn, exactly once.
 * Tabs sharing storage merge their entries on write; a duplicate send across tabs is harmless
 * for the same reason.
 */
import { API_PATH, findMessage } from "@open-chat/shared";
import { backoffDelay, pause, type Backoff } from "./backoff.js";
import { OpenChatError, isRetryable } from "./errors.js";
import type { Http } from "./http.js";
import type { NetworkSignal } from "./network.js";
import type { PendingStore } from "./pending.js";
import type { ChatStorage } from "./storage.js";
import type { ChatTail, SendResult } from "./types.js";

export interface OutboxEntry {
  chatId: string;
  clientMessageId: string;
  text: string;
  model?: string;
  /** ISO time the message was first queued. */
  queuedAt: string;
}

export interface OutboxDeps {
  http: Http;
  storage: ChatStorage;
  key: string;
  network: NetworkSignal;
  backoff: Backoff;
  pending: PendingStore;
  openTail(chatId: string): ChatTail;
  /** Milliseconds since the epoch. */
  clock(): number;
}

interface Waiter {
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

const DONE_MEMORY = 1000;

export class Outbox {
  private entries: OutboxEntry[] = [];
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly draining = new Map<string, Promise<void>>();
  private readonly done = new Set<string>();
  private readonly lastTurn = new Map<string, SendResult>();
  private readonly tails = new Set<ChatTail>();
  private readonly abort = new AbortController();
  private writes: Promise<void> = Promise.resolve();
  readonly loaded: Promise<void>;

  constructor(private readonly deps: OutboxDeps) {
    this.loaded = this.load();
  }

  /** Entries not yet accepted by the server, in send order. */
  get size(): number {
    return this.entries.length;
  }

  /** The entries, once every queued write has reached storage. */
  async list(): Promise<readonly OutboxEntry[]> {
    await this.loaded;
    let writes: Promise<void>;
    do {
      writes = this.writes;
      await writes;
    } while (writes !== this.writes);
    return [...this.entries];
  }

  /** Queues a send (or joins an identical one already queued) and resolves when the server accepted it. */
  async enqueue(entry: OutboxEntry): Promise<SendResult> {
    await this.loaded;
    if (this.abort.signal.aborted) throw new Error("open-chat: the client is closed");
    const result = new Promise<SendResult>((resolve, reject) => {
      const list = this.waiters.get(entry.clientMessageId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(entry.clientMessageId, list);
    });
    if (!this.entries.some((e) => e.clientMessageId === entry.clientMessageId)) {
      this.entries.push(entry);
      await this.persist();
    }
    this.drain(entry.chatId);
    return result;
  }

  /** Forgets a chat's entries (the chat was deleted); their sends reject with `chat_deleted`. */
  async forget(chatId: string): Promise<void> {
    const gone = this.entries.filter((e) => e.chatId === chatId);
    if (gone.length === 0) return;
    this.entries = this.entries.filter((e) => e.chatId !== chatId);
    const request = { method: "POST", url: API_PATH.messages(chatId) };
    for (const entry of gone) {
      this.finished(entry.clientMessageId);
      const error = new OpenChatError({ status: 404, code: "chat_deleted", detail: "the chat was deleted before this message was sent", request });
      this.settle(entry.clientMessageId, (w) => w.reject(error));
    }
    await this.persist();
  }

  /**
   * Drops every entry (log out): nothing more is sent, each waiting `send()` rejects with an
   * `AbortError` and its pending message goes. Stored entries are the caller's to clear.
   */
  async discard(): Promise<void> {
    this.abort.abort();
    await this.loaded;
    const gone = this.entries;
    this.entries = [];
    for (const entry of gone) {
      this.deps.pending.remove(entry.chatId, [entry.clientMessageId]);
      this.settle(entry.clientMessageId, (w) => w.reject(new DOMException("reset()", "AbortError")));
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.tails].map((tail) => tail.close()));
    await Promise.allSettled([...this.draining.values()]);
    await this.writes;
  }

  private async load(): Promise<void> {
    const stored = decodeEntries(await this.deps.storage.get(this.deps.key).catch(() => null));
    for (const entry of stored) {
      if (this.entries.some((e) => e.clientMessageId === entry.clientMessageId)) continue;
      this.entries.push(entry);
      this.deps.pending.add(pendingFor(entry));
    }
    for (const chatId of new Set(stored.map((e) => e.chatId))) this.drain(chatId);
  }

  private drain(chatId: string): void {
    if (this.draining.has(chatId) || this.abort.signal.aborted) return;
    const run = this.run(chatId).finally(() => {
      this.draining.delete(chatId);
      // An entry queued while the loop was finishing.
      if (this.entries.some((e) => e.chatId === chatId)) this.drain(chatId);
    });
    this.draining.set(chatId, run);
  }

  private async run(chatId: string): Promise<void> {
    const { deps } = this;
    const signal = this.abort.signal;
    let attempt = 0;
    let busy = 0;
    while (!signal.aborted) {
      const entry = this.entries.find((e) => e.chatId === chatId);
      if (!entry) return;
      if (!deps.network.isOnline()) {
        await pause(Number.POSITIVE_INFINITY, { signal, network: deps.network });
        continue;
      }
      try {
        const body: Record<string, string> = { clientMessageId: entry.clientMessageId, text: entry.text };
        if (entry.model !== undefined) body.model = entry.model;
        const answer = await deps.http.json<Omit<SendResult, "clientMessageId">>({ method: "POST", path: API_PATH.messages(chatId), body, signal });
        const result: SendResult = { clientMessageId: entry.clientMessageId, ...answer };
        attempt = 0;
        busy = 0;
        this.lastTurn.set(chatId, result);
        await this.remove(entry);
        // Nobody shows the chat: nothing will reconcile the optimistic message, drop it now.
        if (!deps.pending.watched(chatId)) deps.pending.remove(chatId, [entry.clientMessageId]);
        this.settle(entry.clientMessageId, (w) => w.resolve(result));
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof OpenChatError && error.code === "generation_in_progress") {
          await this.untilIdle(chatId, busy++, error.retryAfterMs);
          continue;
        }
        // Other retryable failures, including `409 conflict` (this very message is being sent
        // right now by another tab or an earlier attempt): back off and send the same id again.
        if (isRetryable(error)) {
          await pause(backoffDelay(attempt++, deps.backoff), { signal, network: deps.network });
          continue;
        }
        await this.remove(entry);
        deps.pending.update(chatId, entry.clientMessageId, {
          status: "failed",
          error: error instanceof Error ? error : new Error(String(error)),
          updatedAt: new Date(deps.clock()).toISOString(),
        });
        this.settle(entry.clientMessageId, (w) => w.reject(error));
      }
    }
  }

  /**
   * Waits until the chat's previous answer has ended — our last accepted turn's assistant message
   * is terminal, or (not knowing which turn runs) the caught-up tail shows nothing streaming —
   * or until the server's `retryAfterMs` has passed (clamped to {@link RETRY_AFTER_RANGE}; the
   * maximum when the server named none), whichever comes first. From the second consecutive 409 on, also backs off (the lease may
   * outlive the terminal event).
   */
  private async untilIdle(chatId: string, busy: number, retryAfterMs: number | undefined): Promise<void> {
    const tail = this.deps.openTail(chatId);
    this.tails.add(tail);
    const last = this.lastTurn.get(chatId);
    this.lastTurn.delete(chatId);
    const timer = new AbortController();
    const stopTimer = () => timer.abort();
    this.abort.signal.addEventListener("abort", stopTimer, { once: true });
    try {
      const ended = tail.until((state, connection) => {
        if (last) {
          const answer = findMessage(state.log, last.assistantMessageId);
          return answer !== undefined && answer.status !== "streaming";
        }
        return connection.upToDate && !state.log.messages.some((m) => m.role === "assistant" && m.status === "streaming");
      });
      // A server that names no time (an older one) still gets asked again after the maximum.
      const expired = pause(clampRetryAfter(retryAfterMs ?? RETRY_AFTER_RANGE.maxMs), { signal: timer.signal, network: this.deps.network });
      await Promise.race([ended, expired]);
    } finally {
      stopTimer();
      this.abort.signal.removeEventListener("abort", stopTimer);
      this.tails.delete(tail);
      await tail.close();
    }
    if (busy > 0) await pause(backoffDelay(busy, this.deps.backoff), { signal: this.abort.signal, network: this.deps.network });
  }

  private settle(clientMessageId: string, action: (waiter: Waiter) => void): void {
    const list = this.waiters.get(clientMessageId) ?? [];
    this.waiters.delete(clientMessageId);
    for (const waiter of list) action(waiter);
  }

  private async remove(entry: OutboxEntry): Promise<void> {
    this.entries = this.entries.filter((e) => e.clientMessageId !== entry.clientMessageId);
    this.finished(entry.clientMessageId);
    await this.persist();
  }

  private finished(clientMessageId: string): void {
    this.done.add(clientMessageId);
    if (this.done.size > DONE_MEMORY) this.done.delete(this.done.values().next().value!);
  }

  /** Writes our entries, keeping entries other tabs queued (and we did not finish). Serialised. */
  private persist(): Promise<void> {
    const { storage, key } = this.deps;
    this.writes = this.writes.then(async () => {
      const mine = new Set(this.entries.map((e) => e.clientMessageId));
      const stored = decodeEntries(await storage.get(key).catch(() => null));
      const others = stored.filter((e) => !mine.has(e.clientMessageId) && !this.done.has(e.clientMessageId));
      const next = [...others, ...this.entries];
      await (next.length === 0 ? storage.delete(key) : storage.set(key, JSON.stringify(next))).catch(() => {});
    });
    return this.writes;
  }
}

/** The wait a `retryAfterMs` may ask for: at least 250 ms (no hot loop), at most 30 s (never stuck). */
export const RETRY_AFTER_RANGE = { minMs: 250, maxMs: 30_000 } as const;

function clampRetryAfter(ms: number): number {
  return Math.min(RETRY_AFTER_RANGE.maxMs, Math.max(RETRY_AFTER_RANGE.minMs, ms));
}

export function pendingFor(entry: OutboxEntry) {
  return {
    id: entry.clientMessageId,
    clientId: entry.clientMessageId,
    chatId: entry.chatId,
    role: "user" as const,
    text: entry.text,
    status: "pending" as const,
    createdAt: entry.queuedAt,
    updatedAt: entry.queuedAt,
    ...(entry.model !== undefined ? { model: entry.model } : {}),
  };
}

function decodeEntries(raw: string | null): OutboxEntry[] {
  if (!raw) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (e): e is OutboxEntry =>
        typeof e === "object" && e !== null && typeof e.chatId === "string" && typeof e.clientMessageId === "string" && typeof e.text === "string",
    );
  } catch {
    return [];
  }
}
