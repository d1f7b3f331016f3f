/**
 * The live SSE view of one chat (Durable Streams read protocol, SSE mode; PROTOCOL.md 5.4).
 * Reads the user's stream with key-filtered long-polls and writes each batch as
 * `event: data` + `event: control`, BOTH with `id:` = the offset after the batch: a reader
 * that applies data frames as they arrive (plain `EventSource`) and one that applies a batch at
 * its control frame (our SDK) both resume exactly with `Last-Event-ID`. Nothing is sent that
 * the streams tier has not stored.
 * The upstream read is aborted as soon as the client goes away (no leaked reads).
 */
import { EVENT_TYPE, SSE_EVENT, type TailControl } from "@open-chat/shared";
import type { SSEStreamingApi } from "hono/streaming";
import { StreamsError } from "../streams/client/errors.js";
import type { ReadResult, StreamsClient } from "../streams/client/types.js";
import { isPastEnd } from "./past-end.js";

export interface SseViewOptions {
  streams: StreamsClient;
  stream: string;
  key: string;
  offset: string;
  /**
   * The catch-up page the route already read from `offset` and checked with `isPastEnd`
   * before answering 200; it is sent as is, without reading or checking it again.
   */
  first?: ReadResult;
  /** The offset clients see for a streams-tier offset (it carries the stream's incarnation). */
  publicOffset: (tierOffset: string) => string;
  /** Comment line interval while idle. */
  heartbeatMs: number;
  /** Client reconnect hint (`retry:`). */
  retryMs: number;
  /** Upstream long-poll wait, at most 5 s. */
  longPollMs: number;
  /**
   * Asked every `sessionCheckMs` whether the reader may still read (its session was not
   * revoked by a sign-out or a user deletion); on false the response ends, and the client's
   * reconnect meets 401. A read-only tail would otherwise outlive its session by hours.
   */
  stillAuthorized?: () => Promise<boolean>;
  sessionCheckMs?: number;
}

export async function pipeSseView(sse: SSEStreamingApi, options: SseViewOptions): Promise<void> {
  const upstream = new AbortController();
  sse.onAbort(() => upstream.abort());
  const heartbeat = setInterval(() => {
    sse.write(": ping\n\n").catch(() => upstream.abort());
  }, options.heartbeatMs);
  const { stillAuthorized } = options;
  const sessionCheck =
    stillAuthorized &&
    setInterval(() => {
      stillAuthorized().then(
        (ok) => ok || upstream.abort(),
        () => undefined, // a database hiccup is not a revocation; the next check decides
      );
    }, options.sessionCheckMs ?? 15_000);
  try {
    await sse.write(`retry: ${options.retryMs}\n\n`);
    let offset = options.offset;
    let upToDate = false;
    let announced = false;
    let first = options.first;
    while (!upstream.signal.aborted) {
      const checked = first;
      first = undefined;
      const page: ReadResult =
        checked ??
        (await options.streams.read(options.stream, {
          offset,
          key: options.key,
          ...(upToDate ? { live: "long-poll" as const, timeoutMs: options.longPollMs } : {}),
          signal: upstream.signal,
        }));
      // A page that neither reached the end nor carried records: the offset is past the end
      // of the log (see past-end.ts). End the response; the reconnect gets 400 invalid_offset.
      if (!checked && (await isPastEnd(options.streams, options.stream, options.key, offset, page))) return;
      const closed = page.records.some((r) => (r as { type?: unknown }).type === EVENT_TYPE.chatDeleted);
      if (page.records.length > 0) {
        await sse.writeSSE({ event: SSE_EVENT.data, id: options.publicOffset(page.nextOffset), data: JSON.stringify(page.records) });
      }
      // Control after every batch, and once when the catch-up first reaches the end.
      if (page.records.length > 0 || (page.upToDate && !announced) || closed) {
        const control: TailControl = { streamNextOffset: options.publicOffset(page.nextOffset), upToDate: page.upToDate };
        if (page.cursor) control.streamCursor = page.cursor;
        if (closed) control.streamClosed = true;
        await sse.writeSSE({ event: SSE_EVENT.control, id: control.streamNextOffset, data: JSON.stringify(control) });
        announced ||= page.upToDate;
      }
      if (closed) return;
      offset = page.nextOffset;
      upToDate = page.upToDate;
    }
  } catch (error) {
    // A stream deleted under the tail (its user was deleted, or merged into a verified user)
    // ends the tail; the reconnect meets 401/404. Not a failure worth a log line.
    if (error instanceof StreamsError && error.status === 404) return;
    if (!upstream.signal.aborted) throw error;
  } finally {
    clearInterval(heartbeat);
    if (sessionCheck) clearInterval(sessionCheck);
    upstream.abort();
  }
}
