/**
 * Paths of the Open Chat HTTP API (PROTOCOL.md sections 5-8), written once.
 * Header names, query parameters and SSE event names come from `@open-chat/shared`.
 */
const chat = (chatId: string) => `/v1/chats/${encodeURIComponent(chatId)}`;

export const ROUTES = {
  signInAnonymous: "/v1/auth/sign-in/anonymous",
  chats: "/v1/chats",
  chat,
  messages: (chatId: string) => `${chat(chatId)}/messages`,
  stop: (chatId: string) => `${chat(chatId)}/stop`,
  events: (chatId: string) => `${chat(chatId)}/events`,
} as const;
