/** Helpers of the versions and feedback suites: a row's parts, the chat's log as the tail and as the server has it. */
import { API_PATH, HEADER, QUERY, START_OFFSET, type ChatEvent, type ChatMessage } from "@open-chat/shared";
import { storageKeys } from "@open-chat/sdk";
import type { OpenChatView } from "../../src/view/open-chat-view.js";
import type { rows } from "./helpers.js";

type Row = ReturnType<typeof rows>[number];

/** The row's element with `part="name"`, or null. */
export const part = <E extends HTMLElement = HTMLButtonElement>(row: Row, name: string): E | null => row.element.querySelector<E>(`[part=${name}]`);

/** Every message the tail's log holds (all versions, not only the thread on screen). */
export const logMessages = (view: OpenChatView): readonly ChatMessage[] => view.chat.tail?.state.log.messages ?? [];

export const count = (view: OpenChatView, role: ChatMessage["role"]) => logMessages(view).filter((m) => m.role === role).length;

/** The chat's whole log as the server has it, read with the widget's stored session (catch-up reads, no SSE). */
export async function serverEvents(api: string, chatId: string): Promise<ChatEvent[]> {
  const token = localStorage.getItem(storageKeys(api).token);
  const events: ChatEvent[] = [];
  let offset: string = START_OFFSET;
  for (;;) {
    const response = await fetch(`${api}${API_PATH.events(chatId)}?${QUERY.offset}=${offset}`, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`events: HTTP ${response.status}`);
    events.push(...((await response.json()) as ChatEvent[]));
    offset = response.headers.get(HEADER.streamNextOffset)!;
    if (response.headers.get(HEADER.streamUpToDate) === "true") return events;
  }
}
