/**
 * Where the SDK keeps what must survive a reload: the guest token, each chat's durable offset
 * with its folded snapshot, and the outbox of unsent messages. A tiny async key/value
 * interface so IndexedDB, React Native's AsyncStorage or a server-side store fit as well.
 */

/** An async string key/value store. Implementations should not throw on missing keys. */
export interface ChatStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
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

/** The storage keys of one client (one `baseUrl`). */
export function storageKeys(baseUrl: string) {
  const root = `open-chat:${baseUrl}`;
  return {
    token: `${root}:token`,
    outbox: `${root}:outbox`,
    tail: (chatId: string) => `${root}:tail:${chatId}`,
  };
}
export type StorageKeys = ReturnType<typeof storageKeys>;
