/**
 * The user's chat list as a TanStack DB collection. Synced from `GET /v1/chats` (all pages);
 * inserts, title updates and deletes go to the server through the ChatClient and the list is
 * re-synced after each, so the server's rows replace the optimistic ones.
 */
import type { CollectionConfig, SyncConfig } from "@tanstack/db";
import type { ChatClient } from "../client.js";
import type { Chat } from "../types.js";

export interface ChatCollectionOptions {
  client: ChatClient;
  /** Collection id. Default `"open-chat:chats"`. */
  id?: string;
  /** Page size of the initial load. Default 100 (the server's maximum). */
  pageSize?: number;
}

export interface ChatCollectionUtils {
  /** Re-reads the list from the server and applies the differences. */
  refresh(): Promise<void>;
  [key: string]: unknown;
}

type Sync = Parameters<SyncConfig<Chat, string>["sync"]>[0];

export function chatCollectionOptions(options: ChatCollectionOptions): CollectionConfig<Chat, string> & { utils: ChatCollectionUtils } {
  const { client, pageSize = 100 } = options;
  let sync: Sync | null = null;
  let shown = new Map<string, Chat>();

  async function loadAll(): Promise<Chat[]> {
    const chats: Chat[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listChats({ limit: pageSize, cursor });
      chats.push(...page.chats);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return chats;
  }

  async function refresh(): Promise<void> {
    const target = sync;
    if (!target) return;
    const chats = await loadAll();
    if (sync !== target) return; // cleaned up meanwhile
    const next = new Map(chats.map((chat) => [chat.id, chat]));
    target.begin();
    for (const chat of chats) {
      const before = shown.get(chat.id);
      if (!before) target.write({ type: "insert", value: chat });
      else if (before.title !== chat.title || before.updatedAt !== chat.updatedAt || before.model !== chat.model) {
        target.write({ type: "update", value: chat });
      }
    }
    for (const [id, chat] of shown) if (!next.has(id)) target.write({ type: "delete", value: chat });
    target.commit();
    shown = next;
  }

  return {
    id: options.id ?? "open-chat:chats",
    getKey: (chat) => chat.id,
    sync: {
      sync(params) {
        sync = params;
        shown = new Map();
        refresh().then(params.markReady, params.markError);
        return () => {
          sync = null;
        };
      },
    },
    async onInsert({ transaction }) {
      for (const { modified } of transaction.mutations) {
        await client.createChat({ title: modified.title ?? undefined, model: modified.model ?? undefined });
      }
      await refresh();
    },
    async onUpdate({ transaction }) {
      for (const { original, modified } of transaction.mutations) {
        if (modified.title && modified.title !== original.title) await client.renameChat(original.id, modified.title);
      }
      await refresh();
    },
    async onDelete({ transaction }) {
      for (const { original } of transaction.mutations) await client.deleteChat(original.id);
      await refresh();
    },
    utils: { refresh },
  };
}
