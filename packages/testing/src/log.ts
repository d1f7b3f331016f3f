/**
 * The server's own view of a chat, read the way any client can: catch-up requests (no SSE)
 * from an offset until the server says up to date, folded by the shared fold.
 */
import { siteHeaders, type GuestSignInOptions } from "./guest.js";
import { API_PATH, HEADER, QUERY, START_OFFSET, materialize, type ChatEvent, type ChatState } from "@open-chat/shared";

export interface ChatLog {
  /** Every event after `offset`, in log order. */
  events: ChatEvent[];
  /** Where a reader continues. */
  nextOffset: string;
  /** `events` folded (meaningful when read from the start). */
  state: ChatState;
}

/** Reads the chat's log from `offset` (default: the start) with the guest's bearer token. */
export async function readLog(baseUrl: string, token: string, chatId: string, offset: string = START_OFFSET, site: GuestSignInOptions = {}): Promise<ChatLog> {
  const events: ChatEvent[] = [];
  for (;;) {
    const response = await fetch(`${baseUrl}${API_PATH.events(chatId)}?${QUERY.offset}=${offset}`, { headers: { Authorization: `Bearer ${token}`, ...siteHeaders(site) } });
    if (response.status !== 200) throw new Error(`readLog: ${response.status} ${await response.text()}`);
    events.push(...((await response.json()) as ChatEvent[]));
    offset = response.headers.get(HEADER.streamNextOffset)!;
    if (response.headers.get(HEADER.streamUpToDate) === "true") return { events, nextOffset: offset, state: materialize(events) };
  }
}
