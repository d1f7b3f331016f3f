/**
 * Paths of the Open Chat HTTP API (PROTOCOL.md sections 5-8), written once. The server mounts
 * its route groups at the prefixes; the SDK builds request paths with the functions.
 */
const chat = (chatId: string) => `/v1/chats/${encodeURIComponent(chatId)}`;

export const API_PATH = {
  /** Prefix of Better Auth's routes. */
  auth: "/v1/auth",
  /** Guest sign-in: `POST`, body `{}`; the token comes back in the `set-auth-token` header. */
  signInAnonymous: "/v1/auth/sign-in/anonymous",
  /**
   * Verified end user: `POST`, body `{ token }` (a JWT signed by the site's backend), with the
   * site's publishable key and, to merge a guest's chats, the guest's bearer token. Answers
   * `{ token, user, merged }` and the `set-auth-token` header.
   */
  signInJwt: "/v1/auth/sign-in/jwt",
  /** `POST`, body `{}`, with the bearer token: revokes the session. */
  signOut: "/v1/auth/sign-out",
  /** `GET` with the bearer token: `{ session, user }` or `null`. */
  getSession: "/v1/auth/get-session",
  /** Prefix of the chat API: `GET` lists, `POST` creates. */
  chats: "/v1/chats",
  chat,
  messages: (chatId: string) => `${chat(chatId)}/messages`,
  stop: (chatId: string) => `${chat(chatId)}/stop`,
  /** `POST { clientMessageId, model? }`: another version of an ended answer (202, like a send). */
  regenerate: (chatId: string, messageId: string) => `${chat(chatId)}/messages/${encodeURIComponent(messageId)}/regenerate`,
  /** `POST {}`: show this version of a message from now on. */
  select: (chatId: string, messageId: string) => `${chat(chatId)}/messages/${encodeURIComponent(messageId)}/select`,
  /** `POST { rating: "up" | "down" | null, comment? }`: the end user's feedback on an answer. */
  feedback: (chatId: string, messageId: string) => `${chat(chatId)}/messages/${encodeURIComponent(messageId)}/feedback`,
  events: (chatId: string) => `${chat(chatId)}/events`,
  /** The signed-in end user: `DELETE` deletes them with all their chats and messages. */
  me: "/v1/me",
  /**
   * The end user's credits: `GET` → `{ enabled, account, topUps }` (the account is null when the
   * site pays for everyone). Needs the publishable key and the bearer token, like `me`.
   */
  billing: "/v1/billing",
  /** `POST { amountUsd, returnUrl }` → `{ url }` of a Stripe Checkout page (where the site allows end-user top-ups). */
  billingCheckout: "/v1/billing/checkout",
  /** Stripe's webhook (raw body, `Stripe-Signature`); no key, no session. */
  stripeWebhook: "/v1/billing/stripe/webhook",
  /** Liveness (`{ ok: true }` while the process runs). */
  healthz: "/healthz",
  /** Readiness (Postgres and the streams tier answer). */
  readyz: "/readyz",
  /** Admin API (secret key `sk_…` or the operator key as `Authorization: Bearer`). */
  admin: "/v1/admin",
  /** The OpenAPI 3.1 document of the public and admin API. */
  openapi: "/v1/openapi.json",
} as const;

/** Route patterns below `API_PATH.chats`, as the server's router mounts them. */
export const CHAT_ROUTE = {
  chat: "/:chatId",
  messages: "/:chatId/messages",
  stop: "/:chatId/stop",
  regenerate: "/:chatId/messages/:messageId/regenerate",
  select: "/:chatId/messages/:messageId/select",
  feedback: "/:chatId/messages/:messageId/feedback",
  events: "/:chatId/events",
} as const;
