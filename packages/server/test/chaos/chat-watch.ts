/**
 * Chaos-test plumbing over plain HTTP: create a chat, send, and wait on the chat's log with
 * long-poll reads (woken by appends, never by sleeping) until the folded state says so.
 */
import { API_PATH, HEADER, LIVE_MODE, QUERY, START_OFFSET, foldAll, materialize, type ChatEvent, type ChatState } from "@open-chat/shared";
import { apiClient } from "../helpers/api.js";

export function authorized(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
}

/** Creates a chat; throws unless 201 (chaos tests fail loudly, never on a silent null). */
export async function createChat(baseUrl: string, token: string): Promise<string> {
  const reply = await apiClient(baseUrl, token).call("POST", API_PATH.chats, {});
  if (reply.status !== 201) throw new Error(`create chat: ${reply.status} ${JSON.stringify(reply.body)}`);
  return (reply.body as { id: string }).id;
}

/** Sends one message; throws unless 202. */
export async function send(baseUrl: string, token: string, chatId: string, text: string, clientMessageId = `c-${Math.random().toString(36).slice(2)}`) {
  const reply = await apiClient(baseUrl, token).send(chatId, { clientMessageId, text });
  if (reply.status !== 202) throw new Error(`send: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as { userMessageId: string; assistantMessageId: string; offset: string };
}

/**
 * Reads the chat from the start and keeps reading (long-poll) until `done(state, events)`;
 * rejects after `timeoutMs` with what it saw. `baseUrl` is re-read on every request, so the
 * watcher follows a server that was restarted on another port.
 */
export async function watchChat(
  baseUrl: () => string,
  token: string,
  chatId: string,
  done: (state: ChatState, events: ChatEvent[]) => boolean,
  timeoutMs = 30_000,
): Promise<{ state: ChatState; events: ChatEvent[] }> {
  const deadline = Date.now() + timeoutMs;
  const events: ChatEvent[] = [];
  let state = materialize([]);
  let offset: string = START_OFFSET;
  let upToDate = false;
  while (!done(state, events)) {
    if (Date.now() > deadline) throw new Error(`watchChat: gave up after ${timeoutMs} ms; saw ${events.length} events: ${JSON.stringify(state.messages.map((m) => [m.role, m.status, m.text.length]))}`);
    const live = upToDate ? `&${QUERY.live}=${LIVE_MODE.longPoll}` : "";
    let response: Response;
    try {
      response = await fetch(`${baseUrl()}${API_PATH.events(chatId)}?${QUERY.offset}=${offset}${live}`, { headers: authorized(token), signal: AbortSignal.timeout(10_000) });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the server is down: try its successor
      continue;
    }
    if (response.status === 204) {
      offset = response.headers.get(HEADER.streamNextOffset) ?? offset;
      continue;
    }
    if (response.status !== 200) throw new Error(`watchChat: ${response.status} ${await response.text()}`);
    const batch = (await response.json()) as ChatEvent[];
    events.push(...batch);
    state = foldAll(state, batch);
    offset = response.headers.get(HEADER.streamNextOffset) ?? offset;
    upToDate = response.headers.get(HEADER.streamUpToDate) === "true";
  }
  return { state, events };
}

/** `watchChat` predicate: the message exists and has reached a terminal state. */
export function ended(messageId: string) {
  return (state: ChatState): boolean => {
    const message = state.messages.find((m) => m.id === messageId);
    return message !== undefined && message.status !== "streaming";
  };
}
