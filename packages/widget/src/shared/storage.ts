/**
 * What the widget keeps in `localStorage`, next to the SDK's own keys. The SDK names its keys
 * `open-chat:<baseUrl>:…` (token, outbox, per-chat snapshots); the widget adds the chat it shows.
 * `clearStoredState` removes all of them: the `reset()` (log out) of the element.
 */

/** The SDK's key prefix for one server (it ignores a trailing slash in `baseUrl`). */
export function storagePrefix(api: string): string {
  return `open-chat:${api.replace(/\/+$/, "")}:`;
}

/** Key of the chat the widget shows for this server. */
export function currentChatKey(api: string): string {
  return `${storagePrefix(api)}widget:current-chat`;
}

function local(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function readCurrentChat(api: string): string | null {
  try {
    return local()?.getItem(currentChatKey(api)) ?? null;
  } catch {
    return null;
  }
}

export function writeCurrentChat(api: string, chatId: string | null): void {
  try {
    const store = local();
    if (!store) return;
    if (chatId) store.setItem(currentChatKey(api), chatId);
    else store.removeItem(currentChatKey(api));
  } catch {
    // Storage blocked or full: the widget then starts without a remembered chat.
  }
}

/** Removes every key the SDK and the widget stored for this server (guest token included). */
export function clearStoredState(api: string): void {
  const store = local();
  if (!store) return;
  const prefix = storagePrefix(api);
  try {
    const keys: string[] = [];
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
    for (const key of keys) store.removeItem(key);
  } catch {
    // Nothing stored that we can reach.
  }
}
