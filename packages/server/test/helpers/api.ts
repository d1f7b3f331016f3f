/**
 * A tiny HTTP client for tests that talks to a running server the way any client would:
 * real fetch, bearer tokens, SSE parsed with eventsource-parser. Sign-in and the catch-up log
 * reader come from @open-chat/testing.
 */
import { createParser } from "eventsource-parser";
import { HEADER, materialize, type ChatEvent } from "@open-chat/shared";
import { readLog } from "@open-chat/testing";

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export function apiClient(baseUrl: string, token?: string) {
  async function call(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (body !== undefined) headers.set("Content-Type", "application/json");
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  }
  return {
    call,
    createChat: async (body: object = {}) => (await call("POST", "/v1/chats", body)).body as { id: string },
    send: (chatId: string, body: object) => call("POST", `/v1/chats/${chatId}/messages`, body),
    /** Catch-up reads until up to date: the chat's whole log from `offset`. */
    readAll: (chatId: string, offset?: string) => readLog(baseUrl, token ?? "", chatId, offset),
  };
}

export interface SseFrame {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads the chat's SSE tail until `until(frames)` is true (or the server ends the stream),
 * then aborts the request like a closing tab would.
 */
export async function readSse(
  baseUrl: string,
  token: string,
  chatId: string,
  options: { offset?: string; lastEventId?: string; until: (frames: SseFrame[]) => boolean; onResponse?: (r: Response) => void },
): Promise<SseFrame[]> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "text/event-stream" };
  if (options.lastEventId) headers[HEADER.lastEventId] = options.lastEventId;
  const query = options.offset ? `&offset=${options.offset}` : "";
  const response = await fetch(`${baseUrl}/v1/chats/${chatId}/events?live=sse${query}`, { headers, signal: abort.signal });
  options.onResponse?.(response);
  if (response.status !== 200 || !response.body) throw new Error(`sse: ${response.status} ${await response.text()}`);
  const frames: SseFrame[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (message) => {
      if (done) return;
      frames.push({ event: message.event ?? "message", id: message.id, data: message.data });
      if (options.until(frames)) done = true;
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!done) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      parser.feed(value);
    }
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
  return frames;
}

/** The events carried by SSE data frames, in order. */
export function eventsOf(frames: SseFrame[]): ChatEvent[] {
  return frames.filter((f) => f.event === "data").flatMap((f) => JSON.parse(f.data) as ChatEvent[]);
}

/** The last control frame's id: where a reconnect resumes. */
export function lastControlId(frames: SseFrame[]): string | undefined {
  return frames.filter((f) => f.event === "control").at(-1)?.id;
}

export const isTerminalFor = (messageId: string) => (events: ChatEvent[]) =>
  events.some((e) => "messageId" in e && e.messageId === messageId && ["message.completed", "message.error", "message.stopped"].includes(e.type));

export function assistantOf(events: ChatEvent[], messageId: string) {
  return materialize(events).messages.find((m) => m.id === messageId);
}

/**
 * A tab closed mid-answer: opens the SSE tail, then starts the turn with `send()`, and drops
 * the tail as soon as some of the answer arrived and a control frame acknowledged it. The tail
 * is open before the send, so it sees the answer batch by batch.
 */
export async function readUntilMidAnswer<T>(
  baseUrl: string,
  token: string,
  chatId: string,
  send: () => Promise<T>,
): Promise<{ frames: SseFrame[]; sent: T }> {
  const opened = Promise.withResolvers<void>();
  const reading = readSse(baseUrl, token, chatId, {
    onResponse: () => opened.resolve(),
    until: (frames) => frames.at(-1)?.event === "control" && eventsOf(frames).some((e) => e.type === "message.delta"),
  });
  await opened.promise;
  const sent = await send();
  return { frames: await reading, sent };
}
