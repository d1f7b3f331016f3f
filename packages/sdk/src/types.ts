/**
 * Public data types of the SDK: chats, send results, the tail's state and connection.
 */
import type { ChatMessage, ChatState, MessageVersions } from "@open-chat/shared";

/** A chat as the server lists it (PROTOCOL.md section 7). Messages live only in the log. */
export interface Chat {
  id: string;
  title: string | null;
  model: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChatPage {
  chats: Chat[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The server's answer to a send (`202`), plus the clientMessageId the SDK used. */
export interface SendResult {
  clientMessageId: string;
  userMessageId: string;
  assistantMessageId: string;
  /** The chat's offset right after the turn's opening events. */
  offset: string;
}

/** `client.startChat()`: a new chat and its first message, queued (stored, nothing sent yet). */
export interface StartedChat {
  /** The chat's local id (`local:<uuid>`) until the server made it: `openChat()` shows its pending message now. */
  readonly localId: string;
  /** The first message's clientMessageId. */
  readonly clientMessageId: string;
  /** The server's id of the chat, once made (one chat, however often the create was retried). Same as `resolveChat(localId)`. */
  readonly chatId: Promise<string>;
  /** The server accepted the first message. Rejects when it (or the chat) was refused for good; the pending message is then `failed`. */
  readonly sent: Promise<SendResult>;
}

/**
 * A user message shown before the log has it (optimistic UI). `id` is the clientMessageId until
 * the log's `message.created` with the same `clientId` replaces it in place. `failed` means the
 * server refused it for good (see `error`); `ChatClient.dismiss` removes it.
 */
export interface PendingMessage {
  readonly id: string;
  readonly clientId: string;
  readonly chatId: string;
  readonly role: "user";
  readonly text: string;
  readonly status: "pending" | "failed";
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly model?: string;
  /** An edit (`client.edit`): the user message this one replaces; shown in its place in the thread. */
  readonly editOf?: string;
  /** Why the server refused the send (an OpenChatError, normally). */
  readonly error?: Error;
}

/** What a tail shows: messages from the log, then pending ones. Render with key `clientId ?? id`. */
export type TailMessage = ChatMessage | PendingMessage;

export interface TailState {
  readonly chatId: string;
  readonly title: string | null;
  /** The log says the chat was deleted. */
  readonly deleted: boolean;
  /**
   * The current thread (at each place the version shown, see `versions`), then pending sends in
   * send order. A pending edit replaces the message it edits and everything after it.
   */
  readonly messages: readonly TailMessage[];
  /** Sends not yet in the log (also included at the end of `messages`). */
  readonly pending: readonly PendingMessage[];
  /** The fold's state of the log (counters `applied`, `duplicates`, `ignored`, `skipped`): every version, in log order. */
  readonly log: ChatState;
  /**
   * The versions at a log message's place ("‹ 2/3 ›"): their ids in creation order and this
   * one's index; `ids.length` 1 = no other version, `{ ids: [], index: -1 }` for a pending or
   * unknown id. Show another with `client.selectVersion`.
   */
  versions(messageId: string): MessageVersions;
}

/**
 * - `connecting`: first connection, not caught up yet.
 * - `live`: caught up with the log and following it.
 * - `reconnecting`: the connection broke; retrying with backoff (state stays visible).
 * - `offline`: the device is offline; waiting for the network.
 * - `closed`: ended for good (`close()`, chat deleted, or a permanent error).
 */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "offline" | "closed";

export interface ConnectionState {
  readonly status: ConnectionStatus;
  /** Durable offset of what is shown: every event up to here is folded into the state. */
  readonly offset: string;
  /** The last control frame said the tail reached the end of the log. */
  readonly upToDate: boolean;
  /** This tab holds the network connection (false in follower tabs). */
  readonly leader: boolean;
  /** Why the last connection attempt failed, or why the tail closed. */
  readonly error?: Error;
  /** Why the tail is `closed`. */
  readonly closeReason?: "closed" | "deleted" | "error";
}

export interface TailStats {
  /** HTTP connections opened. */
  connects: number;
  /** Connections that ended and were retried. */
  reconnects: number;
  /** `event: data` batches folded (including ones relayed from another tab). */
  batches: number;
  /** Events handed to the fold. */
  events: number;
  /** Frames skipped because they could not be parsed (bad JSON, non-array data, bad control). */
  malformedFrames: number;
  /** Times the server's offset went backwards and the tail re-read the log from the start. */
  resyncs: number;
}

/** `client.billing()`: the signed-in end user's credits (`GET /v1/billing`). Amounts are integer µUSD (1 USD = 1,000,000). */
export interface BillingState {
  /** Billing is on for this server (BILLING=on). Off: nothing is charged and there is nothing to show. */
  readonly enabled: boolean;
  /** The end user's own account; null when the site pays for everyone (no end-user accounts). */
  readonly account: { readonly availableMicroUsd: number; readonly balanceMicroUsd: number } | null;
  /** Top-ups through `client.checkout()`: allowed by the site and Stripe configured, in these amounts (USD). */
  readonly topUps: { readonly enabled: boolean; readonly amountsUsd: readonly number[] };
}

/** A handle on a chat's live log. Handles of one chat share one connection; close each one. */
export interface ChatTail {
  readonly chatId: string;
  readonly state: TailState;
  readonly connection: ConnectionState;
  /** Same as `connection.offset`. */
  readonly offset: string;
  readonly stats: Readonly<TailStats>;
  /** Resolves once the stored snapshot (if any) is loaded into `state`. */
  readonly ready: Promise<void>;
  /** Called after every state change (not immediately). Returns an unsubscribe function. */
  subscribe(listener: (state: TailState) => void): () => void;
  /**
   * Called only when the message with this id (or clientId) changes object — untouched messages
   * keep their identity across batches. Receives undefined while no such message exists.
   */
  subscribeMessage(messageId: string, listener: (message: TailMessage | undefined) => void): () => void;
  subscribeConnection(listener: (connection: ConnectionState) => void): () => void;
  /** Resolves with the state once `predicate` holds, or once the tail is closed. */
  until(predicate: (state: TailState, connection: ConnectionState) => boolean): Promise<TailState>;
  /** Reconnects now instead of waiting for the backoff. */
  reconnect(): void;
  /** Releases this handle; the connection ends with the last one. Resolves after the state is stored. */
  close(): Promise<void>;
}
