/**
 * Chats started with `startChat()` before the server made them. Such a chat has a local id
 * (`local:<uuid>`) at once; the outbox creates it on the server (exactly once: the create's
 * Idempotency-Key lives in the outbox entry) and then records here which server id the local
 * id became. The record is persisted, so a page reloaded after the create still finds the
 * chat it was showing; it keeps the latest {@link REMEMBERED} chats only (a local id is
 * looked up right after a reload, never months later).
 */
import { newClientMessageId } from "./ids.js";
import type { ChatStorage } from "./storage.js";

const LOCAL_PREFIX = "local:";
const REMEMBERED = 50;

/** True for the id `startChat()` gives a chat the server has not made yet. */
export function isLocalChatId(chatId: string): boolean {
  return chatId.startsWith(LOCAL_PREFIX);
}

export function newLocalChatId(): string {
  return LOCAL_PREFIX + newClientMessageId();
}

interface Waiter {
  resolve(chatId: string): void;
  reject(error: unknown): void;
}

/** Local id → server id of started chats, persisted under `key`; waits for the ones not made yet. */
export class StartedChats {
  private readonly made = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter[]>();
  readonly loaded: Promise<void>;

  constructor(
    private readonly storage: ChatStorage,
    private readonly key: string,
  ) {
    this.loaded = this.read().then((stored) => {
      for (const [localId, chatId] of stored) if (!this.made.has(localId)) this.made.set(localId, chatId);
    });
  }

  /** The server id `localId` became, if it is known. */
  get(localId: string): string | undefined {
    return this.made.get(localId);
  }

  /** Records that `localId` became `chatId` (in memory at once; {@link save} stores it). */
  set(localId: string, chatId: string): void {
    this.made.set(localId, chatId);
  }

  /** Stores the records, merged with what other tabs stored meanwhile. */
  async save(): Promise<void> {
    const stored = await this.read();
    for (const [localId, chatId] of this.made) stored.set(localId, chatId);
    const kept = [...stored].slice(-REMEMBERED);
    await this.storage.set(this.key, JSON.stringify(kept)).catch(() => {});
  }

  /** Resolves with the server id of `localId` once it is made (at once when it is known). */
  wait(localId: string): Promise<string> {
    const known = this.made.get(localId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(localId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(localId, list);
    });
  }

  /** Wakes the callers of {@link wait}: the chat exists (`made` holds it) or will not (`error`). */
  settle(localId: string, error?: unknown): void {
    const list = this.waiters.get(localId) ?? [];
    this.waiters.delete(localId);
    const chatId = this.made.get(localId);
    for (const waiter of list) {
      if (chatId !== undefined && error === undefined) waiter.resolve(chatId);
      else waiter.reject(error);
    }
  }

  /** Forgets everything (log out); callers still waiting get `error`. */
  clear(error: unknown): void {
    this.made.clear();
    for (const localId of [...this.waiters.keys()]) this.settle(localId, error);
  }

  private async read(): Promise<Map<string, string>> {
    try {
      const value: unknown = JSON.parse((await this.storage.get(this.key).catch(() => null)) ?? "[]");
      if (!Array.isArray(value)) return new Map();
      return new Map(value.filter((pair): pair is [string, string] => Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string"));
    } catch {
      return new Map();
    }
  }
}
