/**
 * The settings `<open-chat-view>` builds its SDK client from, and when a change needs a new
 * client (another server or site) rather than another chat or user: a `user-token` goes through
 * the client's `identify()`.
 */
import { createChatClient, type ChatClient } from "@open-chat/sdk";

export interface ChatConfig {
  api: string;
  publishableKey: string;
  /** The site's JWT of its signed-in user (`user-token`); empty = a guest. */
  userToken: string;
  /** The chat to show (`chat-id`); empty = the remembered one, else none until the first send. */
  chatId: string;
}

/** Equal for two configs that can share one client. */
export function clientKeyOf(config: ChatConfig): string {
  return JSON.stringify([config.api, config.publishableKey]);
}

export function createClientFor(config: ChatConfig): ChatClient {
  return createChatClient({ baseUrl: config.api, ...(config.publishableKey ? { publishableKey: config.publishableKey } : {}) });
}
