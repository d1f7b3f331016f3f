/**
 * Where the SDK keeps what must survive a reload: the session token, each chat's durable offset
 * with its folded snapshot, and the outbox of unsent messages. A tiny async key/value
 * interface so IndexedDB, React Native's AsyncStorage or a server-side store fit as well.
 */

/** An async string key/value store. Implementations should not throw on missing keys. */
export interface ChatStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Optional: every stored key, so {@link clearStoredState} can find each chat's snapshot. */
  keys?(): Promise<string[]>;
}

/** An in-memory store (Node, tests, or a page that must not persist anything). */
export function memoryStorage(initial?: Iterable<readonly [string, string]>): ChatStorage & { readonly entries: ReadonlyMap<string, string> } {
  const entries = new Map<string, string>(initial);
  return {
    entries,
    async get(key) {
      return entries.get(key) ?? null;
    },
    async set(key, value) {
      entries.set(key, value);
    },
    async delete(key) {
      entries.delete(key);
    },
    async keys() {
      return [...entries.keys()];
    },
  };
}

/**
 * `window.localStorage` (shared by all tabs of an origin). A write that exceeds the quota
 * rejects, so callers can fall back (the tail then stores no snapshot and re-reads on reload).
 *
 * @param target the `Storage` to use. Default: `globalThis.localStorage`.
 */
export function localStorageStorage(target: Storage = globalThis.localStorage): ChatStorage {
  return {
    async get(key) {
      return target.getItem(key);
    },
    async set(key, value) {
      target.setItem(key, value);
    },
    async delete(key) {
      target.removeItem(key);
    },
    async keys() {
      const keys: string[] = [];
      for (let i = 0; i < target.length; i++) {
        const key = target.key(i);
        if (key !== null) keys.push(key);
      }
      return keys;
    },
  };
}

/** localStorage when it exists and is usable (not in Node, sandboxed iframes or blocked storage), else memory. */
export function defaultStorage(): ChatStorage {
  try {
    const target = globalThis.localStorage;
    if (target) {
      const probe = "open-chat:probe";
      target.setItem(probe, "1");
      target.removeItem(probe);
      return localStorageStorage(target);
    }
  } catch {
    // Access denied (third-party storage blocked, sandbox): keep state in memory.
  }
  return memoryStorage();
}

/**
 * The storage layout of one client (one `baseUrl`; a trailing `/` is ignored): every key starts
 * with `prefix` (`open-chat:<baseUrl>:`). An app may keep its own keys under the same prefix
 * (the widget does) so that {@link clearStoredState} removes them too.
 */
export function storageKeys(baseUrl: string) {
  const prefix = `open-chat:${baseUrl.replace(/\/+$/, "")}:`;
  return {
    prefix,
    /** The session's bearer token (a guest's, or a verified user's after `identify()`). */
    token: `${prefix}token`,
    /** The verified user behind the token (`{ id, subject, key }` JSON); absent for a guest. */
    user: `${prefix}user`,
    /** Sends the server has not accepted yet. */
    outbox: `${prefix}outbox`,
    /** Chats started offline: the local id each had and the server id it became. */
    started: `${prefix}started`,
    /** One chat's durable offset with its folded snapshot. */
    tail: (chatId: string) => `${prefix}tail:${chatId}`,
  };
}
export type StorageKeys = ReturnType<typeof storageKeys>;

/**
 * Removes everything stored for `baseUrl`: the token (and verified user), the outbox (and the
 * record of chats started offline), every chat's offset and snapshot, and any other key under
 * the prefix (log out). Listing the chats' keys needs `storage.keys()` (memory and localStorage
 * have it); without it only the token, the user, the outbox and that record go. Close the client first (or use its `reset()`), or it writes its state
 * again.
 */
export async function clearStoredState(storage: ChatStorage, baseUrl: string): Promise<void> {
  const keys = storageKeys(baseUrl);
  const stored = (await storage.keys?.()) ?? [];
  const doomed = new Set([keys.token, keys.user, keys.outbox, keys.started, ...stored.filter((key) => key.startsWith(keys.prefix))]);
  for (const key of doomed) await storage.delete(key);
}
