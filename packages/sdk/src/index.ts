/**
 * @open-chat/sdk — a framework-agnostic Open Chat client: resumable, offset-tracked chat tails
 * folded by the shared protocol fold, sends with optimistic messages and a persistent outbox,
 * one connection per chat shared by a browser's tabs.
 *
 * @example
 * import { createChatClient } from "@open-chat/sdk";
 *
 * const client = createChatClient({ baseUrl: "https://chat.example.com" });
 * const chat = await client.createChat({ title: "Hello" });
 * const tail = client.openChat(chat.id);
 * tail.subscribe((state) => render(state.messages));
 * await client.send(chat.id, "Write a haiku about offsets");
 */
export { createChatClient, type ChatClient, type ChatClientOptions, type SendOptions, type StartChatOptions } from "./client.js";
export { isLocalChatId } from "./local-chats.js";
export { OpenChatError, TransportError, isRetryable, type ChatClientError, type RequestRef } from "./errors.js";
export {
  memoryStorage,
  localStorageStorage,
  defaultStorage,
  storageKeys,
  clearStoredState,
  type ChatStorage,
  type StorageKeys,
} from "./storage.js";
export { browserNetwork, manualNetwork, type NetworkSignal } from "./network.js";
export type { GetToken } from "./auth.js";
export type { ReconnectOptions } from "./backoff.js";
export type { FetchLike } from "./http.js";
export type { NewChat, OutboxEntry } from "./outbox.js";
export type { RegenerateEntry, SendEntry } from "./outbox-entry.js";
export type { FeedbackInput, TurnOptions, VersionMethods } from "./versions.js";
export type {
  BillingState,
  Chat,
  ChatPage,
  ChatTail,
  ConnectionState,
  ConnectionStatus,
  PendingMessage,
  SendResult,
  StartedChat,
  TailMessage,
  TailState,
  TailStats,
} from "./types.js";
export type { ChatMessage, ChatState, FeedbackRating, MessageStatus, MessageVersions } from "@open-chat/shared";
