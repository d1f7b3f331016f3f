/**
 * What the widget keeps in `localStorage`: the SDK's own keys (its `storageKeys` layout: token,
 * outbox, per-chat snapshots) and, under the same prefix, the chat the widget shows.
 * `forgetStoredState` removes all of them with the SDK's `clearStoredState`: the element's
 * `reset()` (log out). Imported from `@open-chat/sdk/storage`, which keeps the client out of the
 * loader (the shell needs this before the full view is loaded).
 */
import { clearStoredState, localStorageStorage, storageKeys } from "@open-chat/sdk/storage";

/** Key of the chat the widget shows for this server. */
export function currentChatKey(api: string): string {
  return `${storageKeys(api).prefix}widget:current-chat`;
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
export async function forgetStoredState(api: string): Promise<void> {
  const store = local();
  if (!store) return;
  await clearStoredState(localStorageStorage(store), api).catch(() => {
    // Nothing stored that we can reach.
  });
}
