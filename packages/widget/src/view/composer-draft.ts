/**
 * The composer's unsent text, kept per chat in `localStorage` so a reload, a failed send or a
 * switch to another chat never loses what the user typed. Stored under the SDK's key prefix for
 * the server, so the element's `reset()` (log out) forgets drafts with everything else.
 */
import { storageKeys } from "@open-chat/sdk/storage";

/** The draft key of a chat; `null`: the new chat not created yet. */
function draftKey(api: string, chatId: string | null): string {
  return `${storageKeys(api).prefix}widget:draft:${chatId ?? "new"}`;
}

export function readDraft(api: string, chatId: string | null): string {
  try {
    return (api && globalThis.localStorage?.getItem(draftKey(api, chatId))) || "";
  } catch {
    return "";
  }
}

/** Stores the draft ("" removes it). */
export function writeDraft(api: string, chatId: string | null, text: string): void {
  if (!api) return;
  try {
    if (text) globalThis.localStorage?.setItem(draftKey(api, chatId), text);
    else globalThis.localStorage?.removeItem(draftKey(api, chatId));
  } catch {
    // Storage blocked or full: the draft then lives only as long as the page.
  }
}
