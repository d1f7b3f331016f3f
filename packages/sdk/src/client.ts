/**
 * `createChatClient`: the SDK's entry point. It owns the HTTP layer (auth, errors), the chat
 * API, one shared tail per open chat and the outbox every send goes through.
 */
import { API_PATH, HEADER, QUERY } from "@open-chat/shared";
import { customTokenSource, sessionTokens, signIn, type GetToken } from "./auth.js";
import { resolveBackoff, type ReconnectOptions } from "./backoff.js";
import { createHttp, sendRaw, type FetchLike, type Http } from "./http.js";
import type { IdentityContext } from "./identity.js";
import { newClientMessageId } from "./ids.js";
import { StartedChats, isLocalChatId, newLocalChatId } from "./local-chats.js";
import { browserNetwork, type NetworkSignal } from "./network.js";
import { Outbox, pendingFor, type NewChat, type OutboxEntry } from "./outbox.js";
import { PendingStore } from "./pending.js";
import { retrying } from "./retry.js";
import { clearStoredState, defaultStorage, storageKeys, type ChatStorage } from "./storage.js";
import { TailCore, type TailContext } from "./tail/core.js";
import { TailHandle } from "./tail/handle.js";
import { PendingChatTail } from "./tail/pending-chat.js";
import { tabsSupported } from "./tail/tabs.js";
import type { BillingState, Chat, ChatPage, ChatTail, SendResult, StartedChat } from "./types.js";
import { versionMethods, type VersionMethods } from "./versions.js";

/** Attempts of one createChat (transport failures and 5xx are retried with the same key). */
const CREATE_ATTEMPTS = 5;
/** Attempts of one identify() (the server merges the guest exactly once, however often it is asked). */
const IDENTIFY_ATTEMPTS = 6;
/** identify() and reset(): loaded on first use. */
const identity = () => import("./identity.js");

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

export interface StartChatOptions {
  /** The chat's title. Default: none (the server's). */
  title?: string;
  /** The chat's model. Default: the server's default. */
  model?: string;
}

/** Also: `regenerate`, `edit`, `selectVersion` and `feedback` (versions.ts). */
export interface ChatClient extends VersionMethods {
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
  /**
   * Starts a new chat with its first message, offline or not: resolves as soon as both are
   * stored in the outbox (no request made) with the chat's local id, which `openChat()` shows
   * (the pending message) and `send()` accepts (queued behind it). The outbox then signs in as a
   * guest if there is no session, creates the chat (one chat however often it retries, also
   * after a reload: its Idempotency-Key is stored) and sends the message (its clientMessageId is
   * stored), each step retried like a send. A refused create fails the message like a send.
   */
  startChat(text: string, options?: StartChatOptions): Promise<StartedChat>;
  /**
   * The server's id of a chat: a server id as it is; a local id of `startChat()` once the chat is
   * made (also in a client made after a reload). Rejects when the chat's creation was refused,
   * or with `chat_not_found` when no queued message makes it.
   */
  resolveChat(chatId: string): Promise<string>;
  /** Stops the chat's running answer. */
  stop(chatId: string): Promise<{ stopped: boolean }>;
  /**
   * A live view of the chat. Opening a chat twice shares one connection; close each handle. A
   * local id (`startChat()`) gives a view of its pending messages only, with no connection.
   */
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
  /** The signed-in end user's credits and whether they can top up (`GET /v1/billing`). */
  billing(): Promise<BillingState>;
  /**
   * Starts a top-up: a Stripe Checkout page for `amountUsd` (one of `billing().topUps.amountsUsd`)
   * that returns to `returnUrl` (a page of the site's allowed origins). Open the `url` it resolves
   * with (e.g. in a new tab); the credit arrives once Stripe confirms the payment.
   */
  checkout(amountUsd: number, returnUrl: string): Promise<{ url: string }>;
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
  const session = options.getToken
    ? null
    : sessionTokens({ endpoint, storage, keys, renew: async (user) => (ctx.held ? (await identity()).renew(ctx, user) : null) });
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
    if (isLocalChatId(chatId)) return new PendingChatTail(chatId, pending, network);
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

  // Made at once (it resumes the sends a previous page left queued); after reset(), on first use.
  let current: Outbox | null = null;
  const outbox = () =>
    (current ??= new Outbox({ http, storage, key: keys.outbox, network, backoff, pending, started: new StartedChats(storage, keys.started), openTail: openChat, clock }));
  outbox();

  function serial<T>(run: () => Promise<T>): Promise<T> {
    const result = switching.then(run);
    switching = result.catch(() => {});
    return result;
  }

  const ctx: IdentityContext = {
    storage,
    keys,
    publishableKey: options.publishableKey ?? "",
    session,
    exchange: (userToken, guestToken) =>
      retrying(() => signIn(endpoint, API_PATH.signInJwt, { token: userToken }, guestToken), { ...retry, attempts: IDENTIFY_ATTEMPTS }),
    async signOut(token) {
      await sendRaw(endpoint, { method: "POST", path: API_PATH.signOut, body: {} }, token).then((response) => response.body?.cancel()).catch(() => {});
    },
    clearStored: () => clearStoredState(storage, baseUrl).catch(() => {}),
    async closeTails() {
      const open = [...tails];
      tails.clear();
      await Promise.all(open.map(([, { core }]) => core.close()));
      return open.map(([chatId]) => chatId);
    },
    async discardSends() {
      const discarded = current;
      current = null;
      await discarded?.discard();
      pending.clear();
    },
  };

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
      await outbox().forget(chatId);
      pending.remove(chatId, pending.list(chatId).map((m) => m.clientId));
      await storage.delete(keys.tail(chatId)).catch(() => {});
    },
    async send(chatId, text, sendOptions = {}) {
      const clientMessageId = sendOptions.clientMessageId ?? newClientMessageId();
      const entry: OutboxEntry = { kind: "send", chatId, clientMessageId, text, queuedAt: new Date(clock()).toISOString() };
      if (sendOptions.model !== undefined) entry.model = sendOptions.model;
      pending.add(pendingFor(entry));
      return outbox().enqueue(entry);
    },
    async startChat(text, { title, model } = {}) {
      const localId = newLocalChatId();
      const clientMessageId = newClientMessageId();
      const createChat: NewChat = { idempotencyKey: newClientMessageId() };
      if (title !== undefined) createChat.title = title;
      if (model !== undefined) createChat.model = model;
      const entry: OutboxEntry = { kind: "send", chatId: localId, clientMessageId, text, queuedAt: new Date(clock()).toISOString(), createChat };
      pending.add(pendingFor(entry));
      const box = outbox();
      const chatId = box.whenMade(localId); // waiting before the entry can be refused
      const { accepted: sent } = await box.add(entry);
      // Both are the caller's to await; unobserved, a refusal must not be an unhandled rejection.
      chatId.catch(() => {});
      sent.catch(() => {});
      return { localId, clientMessageId, chatId, sent };
    },
    async resolveChat(chatId) {
      return isLocalChatId(chatId) ? outbox().chatOf(chatId) : chatId;
    },
    async stop(chatId) {
      return http.json<{ stopped: boolean }>({ method: "POST", path: API_PATH.stop(chatId), body: {} });
    },
    openChat,
    dismiss(chatId, clientMessageId) {
      if (pending.list(chatId).some((m) => m.clientId === clientMessageId && m.status === "failed")) pending.remove(chatId, [clientMessageId]);
    },
    outbox: () => outbox().list(),
    identify: (userToken) => serial(async () => (await identity()).identify(ctx, userToken)),
    reset: () => serial(async () => (await identity()).reset(ctx)),
    billing: () => http.json<BillingState>({ method: "GET", path: API_PATH.billing }),
    checkout: (amountUsd, returnUrl) => http.json<{ url: string }>({ method: "POST", path: API_PATH.billingCheckout, body: { amountUsd, returnUrl } }),
    ...versionMethods({ http, pending, enqueue: (entry) => outbox().enqueue(entry), clock, ...retry }),
    async close() {
      if (closed) return;
      closed = true;
      lifetime.abort();
      await outbox().close();
      await Promise.all([...tails.values()].map(({ core }) => core.close()));
      tails.clear();
    },
  };
}
