/**
 * Stream names and routing keys are derived here, server-side, from the resolved tenant and
 * user — never from request input (invariant 6: the browser never chooses a stream).
 */
import type { EndUser } from "../env.js";

/** One stream per end user. Ids are server-generated, so they are safe path characters. */
export function userStreamName(user: EndUser): string {
  return `oc.${user.tenantId}.${user.id}`;
}

/** One routing key per chat inside the user's stream. */
export function chatKey(chatId: string): string {
  return `chat:${chatId}`;
}
