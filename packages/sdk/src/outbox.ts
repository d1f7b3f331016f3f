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
 * A chat started with `startChat()` has a local id until it exists: its first entry carries
 * `createChat`, and the same loop creates the chat first (`POST /v1/chats` with the entry's
 * Idempotency-Key, signing in as a guest first when there is no session — every step retried
 * the same way), then moves the chat's entries and pending messages to the server's id.
 *
 * Every retry reuses the entry's clientMessageId, so the server counts one turn, exactly once.
 * Tabs sharing storage merge their entries on write; a duplicate send across tabs is harmless
 * for the same reason.
 */
import { API_PATH, HEADER } from "@open-chat/shared";
import { pause, retryDelay, type Backoff } from "./backoff.js";
import { untilIdle } from "./busy-chat.js";
import { OpenChatError, isRetryable } from "./errors.js";
import type { Http } from "./http.js";
import { newClientMessageId } from "./ids.js";
import { isLocalChatId, type StartedChats } from "./local-chats.js";
import type { NetworkSignal } from "./network.js";
import { decodeEntries, pendingFor, type NewChat, type OutboxEntry } from "./outbox-entry.js";
import type { PendingStore } from "./pending.js";
import type { ChatStorage } from "./storage.js";
import type { Chat, ChatTail, SendResult } from "./types.js";
import { turnRequest } from "./versions-request.js";

export { pendingFor, type NewChat, type OutboxEntry } from "./outbox-entry.js";
export { RETRY_AFTER_RANGE } from "./busy-chat.js";

export interface OutboxDeps {
  http: Http;
  storage: ChatStorage;
  key: string;
  network: NetworkSignal;
  backoff: Backoff;
  pending: PendingStore;
  /** Local ids of started chats and the server ids they became. */
  started: StartedChats;
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
    return (await this.add(entry)).accepted;
  }

  /**
   * Queues a send (or joins an identical one already queued); resolves once it is stored, before
   * any request, with `accepted`: the server's answer.
   */
  async add(entry: OutboxEntry): Promise<{ accepted: Promise<SendResult> }> {
    await this.loaded;
    if (this.abort.signal.aborted) throw new Error("open-chat: the client is closed");
    const placed = this.place(entry);
    const result = new Promise<SendResult>((resolve, reject) => {
      const list = this.waiters.get(placed.clientMessageId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(placed.clientMessageId, list);
    });
    if (!this.entries.some((e) => e.clientMessageId === placed.clientMessageId)) {
      this.entries.push(placed);
      await this.persist();
    }
    this.drain(placed.chatId);
    return { accepted: result };
  }

  /**
   * The server id a started chat's local id became, once the chat is made. Rejects when it will
   * not be: its creation was refused (with that error), or nothing queued makes it
   * (`chat_not_found`).
   */
  async chatOf(localId: string): Promise<string> {
    await this.loaded;
    const made = this.deps.started.get(localId);
    if (made !== undefined) return made;
    if (!this.entries.some((e) => e.chatId === localId)) {
      const request = { method: "POST", url: API_PATH.chats };
      throw new OpenChatError({ status: 404, code: "chat_not_found", detail: "no chat is being started with this local id", request });
    }
    return this.deps.started.wait(localId);
  }

  /** The server id `localId` becomes, when a caller just queues its create ({@link chatOf} checks it is queued). */
  whenMade(localId: string): Promise<string> {
    return this.deps.started.wait(localId);
  }

  /**
   * Where a send to a local chat id goes: to the chat it became; behind the create already
   * queued; else (its create was refused before) with a create of its own.
   */
  private place(entry: OutboxEntry): OutboxEntry {
    if (!isLocalChatId(entry.chatId) || entry.createChat) return entry;
    const made = this.deps.started.get(entry.chatId);
    if (made !== undefined) {
      this.deps.pending.move(entry.chatId, made, [entry.clientMessageId]);
      return withChat(entry, made);
    }
    if (this.entries.some((e) => e.chatId === entry.chatId && e.createChat)) return entry;
    return { ...entry, createChat: { idempotencyKey: newClientMessageId() } };
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
    this.deps.started.clear(new DOMException("reset()", "AbortError"));
    await this.close();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.tails].map((tail) => tail.close()));
    await Promise.allSettled([...this.draining.values()]);
    await this.writes;
  }

  private async load(): Promise<void> {
    await this.deps.started.loaded;
    const stored = decodeEntries(await this.deps.storage.get(this.deps.key).catch(() => null));
    for (const queued of stored) {
      if (this.entries.some((e) => e.clientMessageId === queued.clientMessageId)) continue;
      // Its chat was made just before the last page went away: send to it.
      const made = isLocalChatId(queued.chatId) ? this.deps.started.get(queued.chatId) : undefined;
      const entry = made === undefined ? queued : withChat(queued, made);
      this.entries.push(entry);
      if (entry.kind === "send") this.deps.pending.add(pendingFor(entry)); // a regenerate shows no message
    }
    for (const chatId of new Set(this.entries.map((e) => e.chatId))) this.drain(chatId);
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
        if (entry.createChat) {
          await this.create(chatId, entry.createChat, signal);
          return; // the chat's entries now wait under its server id, drained there
        }
        const { path, body } = turnRequest(entry);
        const answer = await deps.http.json<Omit<SendResult, "clientMessageId">>({ method: "POST", path, body, signal });
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
          const last = this.lastTurn.get(chatId);
          this.lastTurn.delete(chatId);
          await untilIdle({ ...deps, signal, tails: this.tails }, { chatId, last, busy: busy++, retryAfterMs: error.retryAfterMs });
          continue;
        }
        // Other retryable failures, including `409 conflict` (this very message is being sent
        // right now by another tab or an earlier attempt): back off and send the same id again.
        if (isRetryable(error)) {
          const asked = error instanceof OpenChatError ? error.retryAfterMs : undefined;
          await pause(retryDelay(attempt++, deps.backoff, asked), { signal, network: deps.network });
          continue;
        }
        if (entry.createChat) {
          await this.refuseChat(chatId, error);
          continue;
        }
        await this.remove(entry);
        this.fail(entry, error);
      }
    }
  }

  /**
   * Makes the chat of `localId` (the key makes a retried create, even from another page, the
   * same chat), then moves the chat's entries and pending messages to the server's id.
   */
  private async create(localId: string, chat: NewChat, signal: AbortSignal): Promise<void> {
    const { http, started, pending } = this.deps;
    const body: { title?: string; model?: string } = {};
    if (chat.title !== undefined) body.title = chat.title;
    if (chat.model !== undefined) body.model = chat.model;
    const headers = { [HEADER.idempotencyKey]: chat.idempotencyKey };
    const made = await http.json<Chat>({ method: "POST", path: API_PATH.chats, body, headers, signal });
    // Memory first, all at once: a send arriving now goes behind these entries, in order.
    started.set(localId, made.id);
    this.entries = this.entries.map((e) => (e.chatId === localId ? withChat(e, made.id) : e));
    pending.move(localId, made.id);
    // The record is stored before the rewritten entries: a reload in between still finds the chat.
    this.writes = this.writes.then(() => started.save());
    await this.persist();
    started.settle(localId);
    this.drain(made.id);
  }

  /** The chat of `localId` will not be made: each of its messages fails with `error`. */
  private async refuseChat(localId: string, error: unknown): Promise<void> {
    const gone = this.entries.filter((e) => e.chatId === localId);
    this.entries = this.entries.filter((e) => e.chatId !== localId);
    for (const entry of gone) this.finished(entry.clientMessageId);
    await this.persist();
    for (const entry of gone) this.fail(entry, error);
    this.deps.started.settle(localId, error);
  }

  /** The server refused the entry for good: its pending message shows why, its `send()` rejects. */
  private fail(entry: OutboxEntry, error: unknown): void {
    this.deps.pending.update(entry.chatId, entry.clientMessageId, {
      status: "failed",
      error: error instanceof Error ? error : new Error(String(error)),
      updatedAt: new Date(this.deps.clock()).toISOString(),
    });
    this.settle(entry.clientMessageId, (w) => w.reject(error));
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

/** The entry sent to the chat `chatId` (made): no create left to do. */
function withChat(entry: OutboxEntry, chatId: string): OutboxEntry {
  const { createChat: _made, ...rest } = entry;
  return { ...rest, chatId };
}
