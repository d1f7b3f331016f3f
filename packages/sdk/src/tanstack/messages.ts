/**
 * Live messages of one or more chats as a TanStack DB collection, fed by the same resumable
 * tails as the core SDK (offsets, snapshots, optimistic sends). Each tail change is written
 * as one sync transaction holding only the messages whose object changed — the fold keeps
 * untouched messages' identity, so a streaming answer updates one row per batch.
 */
import type { CollectionConfig, SyncConfig } from "@tanstack/db";
import type { ChatClient } from "../client.js";
import type { ChatTail, ConnectionState, TailMessage, TailState } from "../types.js";

/** One message row: the tail's message plus where it belongs. */
export type MessageRow = TailMessage & {
  /** Stable across the optimistic -> logged hand-over: the clientId of user messages, else the id. */
  key: string;
  chatId: string;
  /** Position in the chat (log order, pending sends last). */
  position: number;
};

export interface MessageCollectionOptions {
  client: ChatClient;
  /** The chats to follow. */
  chatIds: readonly string[];
  /** Collection id. Default `"open-chat:messages"`. */
  id?: string;
}

export interface MessageCollectionUtils {
  /** Sends through the client (optimistic row first, outbox, exactly once). */
  send(chatId: string, text: string): ReturnType<ChatClient["send"]>;
  /** Connection state of a followed chat's tail. */
  connection(chatId: string): ConnectionState | undefined;
  [key: string]: unknown;
}

type Sync = Parameters<SyncConfig<MessageRow, string>["sync"]>[0];

export function messageCollectionOptions(options: MessageCollectionOptions): CollectionConfig<MessageRow, string> & { utils: MessageCollectionUtils } {
  const { client, chatIds } = options;
  const tails = new Map<string, ChatTail>();

  function follow(sync: Sync, tail: ChatTail): () => void {
    let shown = new Map<string, { message: TailMessage; row: MessageRow }>();
    const apply = (state: TailState) => {
      const next = new Map<string, { message: TailMessage; row: MessageRow }>();
      sync.begin();
      state.messages.forEach((message, position) => {
        const key = message.clientId ?? message.id;
        const before = shown.get(key);
        const row = before?.message === message && before.row.position === position ? before.row : { ...message, key, chatId: tail.chatId, position };
        next.set(key, { message, row });
        if (!before) sync.write({ type: "insert", value: row });
        else if (before.row !== row) sync.write({ type: "update", value: row });
      });
      for (const [key, entry] of shown) if (!next.has(key)) sync.write({ type: "delete", value: entry.row });
      sync.commit();
      shown = next;
    };
    apply(tail.state);
    return tail.subscribe(apply);
  }

  return {
    id: options.id ?? "open-chat:messages",
    getKey: (row) => row.key,
    sync: {
      sync(params) {
        const stops: Array<() => void> = [];
        for (const chatId of chatIds) {
          const tail = client.openChat(chatId);
          tails.set(chatId, tail);
          stops.push(() => void tail.close());
        }
        // Ready once every tail has its stored snapshot (or nothing) loaded.
        Promise.all([...tails.values()].map((tail) => tail.ready)).then(() => {
          for (const tail of tails.values()) stops.push(follow(params, tail));
          params.markReady();
        }, params.markError);
        return () => {
          for (const stop of stops.reverse()) stop();
          tails.clear();
        };
      },
    },
    utils: {
      send: (chatId, text) => client.send(chatId, text),
      connection: (chatId) => tails.get(chatId)?.connection,
    },
  };
}
