/**
 * The live SSE view of one chat (Durable Streams read protocol, SSE mode; PROTOCOL.md 5.4).
 * Sends the route's catch-up page, then follows the chat through the process's stream hub
 * (stream-hub.ts: one upstream read per user stream, shared by every tail of it) and writes
 * each batch as `event: data` + `event: control`, BOTH with `id:` = the offset after the batch:
 * a reader that applies data frames as they arrive (plain `EventSource`) and one that applies a
 * batch at its control frame (our SDK) both resume exactly with `Last-Event-ID`. Nothing is
 * sent that the streams tier has not stored.
 *
 * A batch shared by many tails of one chat is encoded once (the frames are cached per batch),
 * and frames are written as plain text in the field order hono's `writeSSE` uses (event, data,
 * id): JSON never contains a line break, so no line splitting is needed. The tail ends as soon as the client goes away (its hub subscription with it).
 */
import { EVENT_TYPE, SSE_EVENT, type TailControl } from "@open-chat/shared";
import type { Heartbeats } from "../http/heartbeats.js";
import type { SseSink } from "../http/raw-sse.js";
import { StreamsError } from "../streams/client/errors.js";
import type { ReadResult } from "../streams/client/types.js";
import type { ChatPage, StreamHub } from "./stream-hub.js";

export interface SseViewOptions {
  hub: StreamHub;
  stream: string;
  chatId: string;
  key: string;
  offset: string;
  /**
   * The catch-up page the route already read from `offset` and checked with `isPastEnd`
   * before answering 200; it is sent as is, without reading or checking it again.
   */
  first?: ReadResult;
  /** The offset clients see for a streams-tier offset (it carries the stream's incarnation). */
  publicOffset: (tierOffset: string) => string;
  /** The process's heartbeats (http/heartbeats.ts): a comment line once per interval. */
  heartbeats: Heartbeats;
  /** Client reconnect hint (`retry:`). */
  retryMs: number;
  /**
   * Aborted when the reader may no longer read (its session was revoked by a sign-out or a user
   * deletion: auth/live-sessions.ts): the response ends, and the client's reconnect meets 401.
   * A read-only tail would otherwise outlive its session by hours.
   */
  revoked?: AbortSignal;
}

export async function pipeSseView(sse: SseSink, options: SseViewOptions): Promise<void> {
  const upstream = new AbortController();
  sse.onAbort(() => upstream.abort());
  const stopBeating = options.heartbeats.add(() => {
    sse.write(": ping\n\n").catch(() => upstream.abort());
  });
  const revoke = () => upstream.abort();
  options.revoked?.addEventListener("abort", revoke, { once: true });
  if (options.revoked?.aborted) revoke();
  let announced = false;
  /** Writes one batch; true when it closed the chat (its tombstone is in it). */
  const write = async (page: ChatPage): Promise<boolean> => {
    const closed = page.records.some((r) => (r as { type?: unknown } | null)?.type === EVENT_TYPE.chatDeleted);
    // Control after every batch, and once when the catch-up first reaches the end.
    if (page.records.length > 0 || (page.upToDate && !announced) || closed) {
      await sse.write(framesOf(page, options.publicOffset, closed));
      announced ||= page.upToDate;
    }
    return closed;
  };
  try {
    await sse.write(`retry: ${options.retryMs}\n\n`);
    // Dropped once sent (neither the options nor this frame keep it): a tail lives for hours
    // and its catch-up page can be large.
    let first = options.first;
    options.first = undefined;
    if (first && (await write(first))) return;
    const from = { offset: first?.nextOffset ?? options.offset, upToDate: first?.upToDate ?? false };
    first = undefined;
    const pages = options.hub.follow(options.stream, { chatId: options.chatId, key: options.key, ...from, signal: upstream.signal });
    for await (const page of pages) {
      if (await write(page)) return;
    }
  } catch (error) {
    // A stream deleted under the tail (its user was deleted, or merged into a verified user)
    // ends the tail; the reconnect meets 401/404. Not a failure worth a log line.
    if (error instanceof StreamsError && error.status === 404) return;
    if (!upstream.signal.aborted) throw error;
  } finally {
    stopBeating();
    options.revoked?.removeEventListener("abort", revoke);
    upstream.abort();
  }
}

/** Frames of a batch with records, encoded once however many tails of the chat send them. */
const encoded = new WeakMap<ChatPage, { id: string; text: string }>();

function framesOf(page: ChatPage, publicOffset: (tierOffset: string) => string, closed: boolean): string {
  const id = publicOffset(page.nextOffset);
  const cached = encoded.get(page);
  if (cached?.id === id) return cached.text;
  const control: TailControl = { streamNextOffset: id, upToDate: page.upToDate };
  if (page.cursor) control.streamCursor = page.cursor;
  if (closed) control.streamClosed = true;
  const data = page.records.length > 0 ? `event: ${SSE_EVENT.data}\ndata: ${JSON.stringify(page.records)}\nid: ${id}\n\n` : "";
  const text = `${data}event: ${SSE_EVENT.control}\ndata: ${JSON.stringify(control)}\nid: ${id}\n\n`;
  // Only batches with records are shared between tails (an empty one is a tail's own catch-up).
  if (page.records.length > 0) encoded.set(page, { id, text });
  return text;
}
