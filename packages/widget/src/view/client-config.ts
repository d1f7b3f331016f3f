/**
 * The settings `<open-chat-view>` builds its SDK client from, and when a change needs a new
 * client (another server or identity) rather than just another chat.
 */
import { createChatClient, type ChatClient } from "@open-chat/sdk";

export interface ChatConfig {
  api: string;
  publishableKey: string;
  userToken: string;
  /** The chat to show (`chat-id`); empty = the remembered one, else none until the first send. */
  chatId: string;
}

/** Equal for two configs that can share one client. */
export function clientKeyOf(config: ChatConfig): string {
  return JSON.stringify([config.api, config.publishableKey, config.userToken]);
}

export function createClientFor(config: ChatConfig): ChatClient {
  const token = config.userToken;
  return createChatClient({
    baseUrl: config.api,
    ...(config.publishableKey ? { publishableKey: config.publishableKey } : {}),
    // A tenant-signed identity is passed through as the bearer token; on a 401 we have no newer
    // one, so the request fails and `open-chat:error` lets the page call `identify()` again.
    ...(token ? { getToken: ({ refresh }: { refresh: boolean }) => (refresh ? null : token) } : {}),
  });
}
