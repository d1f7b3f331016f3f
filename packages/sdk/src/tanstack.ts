/**
 * @open-chat/sdk/tanstack — the chat list and live messages as TanStack DB collections, so a
 * custom frontend can write live queries that join chats with live message state. The core
 * entry point never imports this file (TanStack DB is an optional peer dependency).
 *
 * @example
 * import { createCollection, createLiveQueryCollection, eq } from "@tanstack/db";
 * import { createChatClient } from "@open-chat/sdk";
 * import { chatCollectionOptions, messageCollectionOptions } from "@open-chat/sdk/tanstack";
 *
 * const client = createChatClient({ baseUrl: "https://chat.example.com" });
 * const chats = createCollection(chatCollectionOptions({ client }));
 * await chats.preload();
 * const messages = createCollection(messageCollectionOptions({ client, chatIds: [...chats.keys()] }));
 * const streaming = createLiveQueryCollection((q) =>
 *   q.from({ chat: chats })
 *     .join({ message: messages }, ({ chat, message }) => eq(chat.id, message.chatId), "inner")
 *     .where(({ message }) => eq(message.status, "streaming"))
 *     .select(({ chat, message }) => ({ chatId: chat.id, title: chat.title, text: message.text })),
 * );
 */
export { chatCollectionOptions, type ChatCollectionOptions, type ChatCollectionUtils } from "./tanstack/chats.js";
export { messageCollectionOptions, type MessageCollectionOptions, type MessageCollectionUtils, type MessageRow } from "./tanstack/messages.js";
