/**
 * Chats as their logs stand, folded with the one fold, kept for the chats this process read
 * last: a send (or an edit, a regenerate) reads only what was appended since its previous read
 * and folds that onto the kept state, instead of reading and folding the whole chat again.
 * Without it every send of a long chat cost O(chat) — a 100-turn chat is tens of thousands of
 * events, read in pages of ~1,000 and folded from nothing, twice per send when billing is on.
 *
 * Safe to share: `foldAll` never changes a state it is given (copy-on-write), and an entry is
 * always a state with the offset it stands at, so whichever of two racing reads lands last,
 * the next read continues from a consistent pair. Keyed by the stream's incarnation too: a
 * stream created again (streams data loss) starts from nothing. Bounded by the messages it
 * holds; the least recently read chats go first.
 */
import { EMPTY_CHAT_STATE, START_OFFSET, foldAll, type ChatState } from "@open-chat/shared";
import type { StreamsClient } from "../streams/client/types.js";
import { readChat } from "./read-chat.js";
import { chatKey } from "./stream-names.js";

export interface ChatStates {
  /** The chat folded up to the end of its log now, and the offset after it. */
  read(stream: { name: string; incarnation: string }, chatId: string): Promise<{ state: ChatState; nextOffset: string }>;
}

/** Messages kept over all chats (a message with its text is a few KB at most). */
export const DEFAULT_KEPT_MESSAGES = 20_000;

export function createChatStates(streams: Pick<StreamsClient, "read">, options: { maxMessages?: number } = {}): ChatStates {
  const maxMessages = options.maxMessages ?? DEFAULT_KEPT_MESSAGES;
  // Map order is the recency order: a read moves its chat to the end.
  const kept = new Map<string, { state: ChatState; nextOffset: string }>();
  let keptMessages = 0;
  const forget = (key: string) => {
    const entry = kept.get(key);
    if (!entry) return;
    kept.delete(key);
    keptMessages -= entry.state.messages.length;
  };

  return {
    async read(stream, chatId) {
      const key = `${stream.name}\n${stream.incarnation}\n${chatId}`;
      const before = kept.get(key);
      const { records, nextOffset } = await readChat(streams, stream.name, chatKey(chatId), before?.nextOffset ?? START_OFFSET);
      const state = records.length > 0 ? foldAll(before?.state ?? EMPTY_CHAT_STATE, records) : (before?.state ?? EMPTY_CHAT_STATE);
      forget(key);
      if (state.messages.length <= maxMessages) {
        kept.set(key, { state, nextOffset });
        keptMessages += state.messages.length;
        for (const oldest of kept.keys()) {
          if (keptMessages <= maxMessages) break;
          forget(oldest);
        }
      }
      return { state, nextOffset };
    },
  };
}
