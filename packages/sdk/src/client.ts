/**
 * `createChatClient`: the SDK's entry point. It owns the HTTP layer (auth, errors), the chat
 * API, one shared tail per open chat and the outbox every send goes through.
 */
import { API_PATH, HEADER, QUERY } from "@open-chat/shared";
import { customTokenSource, sessionTokens, type GetToken, type Session } from "./auth.js";
import { resolveBackoff, type ReconnectOptions } from "./backoff.js";
import { createHttp, type FetchLike, type Http } from "./http.js";
import { exchangeUserToken, signOut, subjectOf, type VerifiedSession } from "./identity.js";
import { newClientMessageId } from "./ids.js";
import { browserNetwork, type NetworkSignal } from "./network.js";
import { Outbox, pendingFor, type OutboxEntry } from "./outbox.js";
import { PendingStore } from "./pending.js";
import { retrying } from "./retry.js";
import { clearStoredState, defaultStorage, storageKeys, type ChatStorage } from "./storage.js";
import { TailCore, type TailContext } from "./tail/core.js";
import { TailHandle } from "./tail/handle.js";
import { tabsSupported } from "./tail/tabs.js";
import type { Chat, ChatPage, ChatTail, SendResult } from "./types.js";

/** Attempts of one createChat (transport failures and 5xx are retried with the same key). */
const CREATE_ATTEMPTS = 5;
/** Attempts of one identify() (the server merges the guest exactly once, however often it is asked). */
const IDENTIFY_ATTEMPTS = 6;

export interface ChatClientOptions {
  /** The Open Chat server, e.g. `https://chat.example.com`. Required. A trailing `/` is ignored. */
  baseUrl: string;
  /**
   * The tenant's publishable key (`pk_…`), sent as `X-Open-Chat-Key` on every request. Required
   * by a server that serves several sites (it answers `401 publishable_key_required`). Default: none.
   */
  publishableKey?: string;
  /**
   * Your own bearer tokens (replaces guest sign-in, `identify()` and the server sign-out of
   * `reset()`). Default: sign in as a guest with `POST /v1/auth/sign-in/anonymous`, keep the token
   * in `storage`, sign in again once on 401.
   */
  getToken?: GetToken;
  /** Where tokens, offsets+snapshots and the outbox persist. Default: localStorage when usable, else memory. */
  storage?: ChatStorage;
  /** The fetch implementation. Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Milliseconds since the epoch, for optimistic messages' timestamps. Default: `Date.now`. */
  clock?: () => number;
  /** Online/offline and wake-up signal. Default: {@link browserNetwork} (always online in Node). */
  network?: NetworkSignal;
  /** Reconnect/retry backoff. Default: full jitter from 250 ms, capped at 10 s. */
  reconnect?: ReconnectOptions;
  /**
   * Share one connection per chat between the tabs of a browser (Web Locks leader election +
   * BroadcastChannel). Default: true where `window`, `navigator.locks` and `BroadcastChannel` exist.
   */
  multiTab?: boolean;
  /** Minimum time between two writes of a chat's (offset, snapshot) pair. Default 250 ms. */
  persistIntervalMs?: number;
  /** Reconnect when the tail received nothing, not even a heartbeat, for this long. Default 45 000 ms. */
  staleAfterMs?: number;
}

export interface SendOptions {
  /** Model for this turn. Default: the chat's model, else the server's default. */
  model?: string;
  /** Reuse an id to retry a send you made before. Default: a new `crypto.randomUUID()`. */
  clientMessageId?: string;
}

export interface ChatClient {
  readonly baseUrl: string;
  /** Newest activity first. `limit` defaults to 20 (server), at most 100. */
  listChats(options?: { limit?: number; cursor?: string }): Promise<ChatPage>;
  createChat(input?: { title?: string; model?: string }): Promise<Chat>;
  getChat(chatId: string): Promise<Chat>;
  renameChat(chatId: string, title: string): Promise<Chat>;
  /** Deletes the chat; its tails close and its stored state and queued sends are dropped. */
  deleteChat(chatId: string): Promise<void>;
  /**
   * Sends a user message. It shows at once as a pending message in the chat's tails, goes
   * through the persistent outbox (in order, exactly once, waiting for the network and for the
   * previous answer) and resolves when the server accepted the turn. Rejects only when the
   * server refuses it for good (e.g. `text_too_long`); the pending message is then `failed`.
   */
  send(chatId: string, text: string, options?: SendOptions): Promise<SendResult>;
  /** Stops the chat's running answer. */
  stop(chatId: string): Promise<{ stopped: boolean }>;
  /** A live view of the chat. Opening a chat twice shares one connection; close each handle. */
  openChat(chatId: string): ChatTail;
  /** Removes a `failed` pending message. */
  dismiss(chatId: string, clientMessageId: string): void;
  /** Sends not yet accepted by the server, in order (resolves once they are stored). */
  outbox(): Promise<readonly OutboxEntry[]>;
  /**
   * Signs in as your site's verified user: exchanges `userToken` (a short-lived JWT your backend
   * signed, `sub` = your user id) for a session of that user and stores it in place of the
   * guest's. The guest's chats become the user's (merged exactly once, also when retried).
   * Requests wait meanwhile; open tails end (open the chats again: their stored offsets belonged
   * to the guest's log). Calling it again for the user already signed in costs no request.
   * Another user signed in before is signed out first (as `reset()`).
   */
  identify(userToken: string): Promise<{ userId: string; merged: number }>;
  /**
   * Logs out: signs the session out on the server (best effort: offline, it is only forgotten),
   * ends the open tails, drops queued sends and removes everything stored for this server. The
   * next request signs in as a new guest.
   */
  reset(): Promise<void>;
  /** Closes every tail and stops the outbox (queued sends stay stored for the next client). */
  close(): Promise<void>;
}

export function createChatClient(options: ChatClientOptions): ChatClient {
  if (!options?.baseUrl) throw new TypeError("createChatClient: baseUrl is required");
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const storage = options.storage ?? defaultStorage();
  const clock = options.clock ?? Date.now;
  const network = options.network ?? browserNetwork();
  const backoff = resolveBackoff(options.reconnect);
  const keys = storageKeys(baseUrl);
  const endpoint = { baseUrl, fetch: fetchImpl, ...(options.publishableKey ? { publishableKey: options.publishableKey } : {}) };
  const publishableKey = options.publishableKey ?? "";
  const verified = (userToken: string, session: VerifiedSession): Session => ({
    token: session.token,
    user: { id: session.userId, subject: subjectOf(userToken) ?? "", key: publishableKey },
  });
  const session = options.getToken
    ? null
    : sessionTokens({ endpoint, storage, keys, reidentify: async (userToken) => verified(userToken, await exchangeUserToken(endpoint, userToken, null)) });
  const http: Http = createHttp({ ...endpoint, tokens: session ?? customTokenSource(options.getToken!) });
  const pending = new PendingStore();
  const tails = new Map<string, { core: TailCore; handles: number }>();
  let closed = false;
  const lifetime = new AbortController(); // aborted by close(): stops createChat's and identify's retries
  const retry = { backoff, network, signal: lifetime.signal };
  let switching: Promise<unknown> = Promise.resolve(); // identify() and reset() run one at a time

  const context: TailContext = {
    baseUrl,
    http,
    storage,
    storageKey: keys.tail,
    network,
    backoff,
    staleAfterMs: options.staleAfterMs ?? 45_000,
    persistIntervalMs: options.persistIntervalMs ?? 250,
    multiTab: options.multiTab ?? tabsSupported(),
    pending,
  };

  function openChat(chatId: string): ChatTail {
    if (closed) throw new Error("open-chat: the client is closed");
    let entry = tails.get(chatId);
    if (!entry) tails.set(chatId, (entry = { core: new TailCore(context, chatId), handles: 0 }));
    entry.handles++;
    const owned = entry;
    return new TailHandle(owned.core, async () => {
      owned.handles--;
      if (owned.handles > 0) return;
      if (tails.get(chatId) === owned) tails.delete(chatId);
      await owned.core.close();
    });
  }

  const newOutbox = () => new Outbox({ http, storage, key: keys.outbox, network, backoff, pending, openTail: openChat, clock });
  let outbox = newOutbox();

  function serial<T>(run: () => Promise<T>): Promise<T> {
    const result = switching.then(run);
    switching = result.catch(() => {});
    return result;
  }

  /** Ends every open tail (their handles report `closed`); returns the chats they showed. */
  async function closeTails(): Promise<string[]> {
    const open = [...tails];
    tails.clear();
    await Promise.all(open.map(([, { core }]) => core.close()));
    return open.map(([chatId]) => chatId);
  }

  async function logOut(): Promise<void> {
    await closeTails();
    await outbox.discard();
    pending.clear();
    const forget = async (now: Session): Promise<Session> => {
      if (now.token) await signOut(endpoint, now.token);
      await clearStoredState(storage, baseUrl).catch(() => {});
      return { token: null, user: null };
    };
    await (session ? session.replace(forget) : forget({ token: null, user: null }));
    if (!closed) outbox = newOutbox();
  }

  async function identify(userToken: string): Promise<{ userId: string; merged: number }> {
    if (!session) throw new TypeError("open-chat: identify() signs in with the client's own sessions; it cannot be combined with getToken");
    const subject = subjectOf(userToken);
    const now = await session.read();
    if (now.token && now.user && subject !== null && now.user.subject === subject && now.user.key === publishableKey) {
      session.remember(subject, userToken);
      return { userId: now.user.id, merged: 0 };
    }
    if (now.user) await logOut(); // another verified user: never merge one user into another
    let result!: VerifiedSession;
    await session.replace(async (before) => {
      const guest = before.user ? null : before.token;
      result = await retrying(() => exchangeUserToken(endpoint, userToken, guest), { ...retry, attempts: IDENTIFY_ATTEMPTS });
      return verified(userToken, result);
    });
    if (subject !== null) session.remember(subject, userToken);
    // The guest's chats now live in the user's log, at other offsets: read them from the start.
    for (const chatId of await closeTails()) await storage.delete(keys.tail(chatId)).catch(() => {});
    const stored = (await storage.keys?.().catch(() => [])) ?? [];
    for (const key of stored) if (key.startsWith(keys.tail(""))) await storage.delete(key).catch(() => {});
    return { userId: result.userId, merged: result.merged };
  }

  return {
    baseUrl,
    async listChats({ limit, cursor } = {}) {
      return http.json<ChatPage>({ method: "GET", path: API_PATH.chats, query: { [QUERY.limit]: limit, [QUERY.cursor]: cursor } });
    },
    async createChat(input = {}) {
      // One key for this create, reused on every retry: a lost response never makes a second chat.
      const request = { method: "POST", path: API_PATH.chats, body: input, headers: { [HEADER.idempotencyKey]: newClientMessageId() } };
      return retrying(() => http.json<Chat>(request), { ...retry, attempts: CREATE_ATTEMPTS });
    },
    async getChat(chatId) {
      return http.json<Chat>({ method: "GET", path: API_PATH.chat(chatId) });
    },
    async renameChat(chatId, title) {
      return http.json<Chat>({ method: "PATCH", path: API_PATH.chat(chatId), body: { title } });
    },
    async deleteChat(chatId) {
      await http.json<void>({ method: "DELETE", path: API_PATH.chat(chatId) });
      await outbox.forget(chatId);
      pending.remove(chatId, pending.list(chatId).map((m) => m.clientId));
      await storage.delete(keys.tail(chatId)).catch(() => {});
    },
    async send(chatId, text, sendOptions = {}) {
      const clientMessageId = sendOptions.clientMessageId ?? newClientMessageId();
      const entry: OutboxEntry = { chatId, clientMessageId, text, queuedAt: new Date(clock()).toISOString() };
      if (sendOptions.model !== undefined) entry.model = sendOptions.model;
      pending.add(pendingFor(entry));
      return outbox.enqueue(entry);
    },
    async stop(chatId) {
      return http.json<{ stopped: boolean }>({ method: "POST", path: API_PATH.stop(chatId), body: {} });
    },
    openChat,
    dismiss(chatId, clientMessageId) {
      if (pending.list(chatId).some((m) => m.clientId === clientMessageId && m.status === "failed")) pending.remove(chatId, [clientMessageId]);
    },
    outbox: () => outbox.list(),
    identify: (userToken) => serial(() => identify(userToken)),
    reset: () => serial(logOut),
    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort();
      await outbox.close();
      await Promise.all([...tails.values()].map(({ core }) => core.close()));
      tails.clear();
    },
  };
}
