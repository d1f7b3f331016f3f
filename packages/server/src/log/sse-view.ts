/**
 * The live SSE view of one chat (Durable Streams read protocol, SSE mode; PROTOCOL.md 5.4).
 * Sends the route's catch-up page, then follows the chat through the process's stream hub
 * (stream-hub.ts: one upstream read per user stream, shared by every tail of it) and writes
 * each batch as `event: data` + `event: control`, BOTH with `id:` = the offset after the batch:
 * a reader that applies data frames as they arrive (plain `EventSource`) and one that applies a
 * batch at its control frame (our SDK) both resume exactly with `Last-Event-ID`. Nothing is
 * sent that the streams tier has not stored.
 *
 * A batch shared by many tails of one chat is encoded once (the frames are cached per batch, as
 * text and as the HTTP chunk each tail's socket is given: raw-sse.ts `SharedFrame`), and frames
 * are written as plain text in the field order hono's `writeSSE` uses (event, data, id): JSON
 * never contains a line break, so no line splitting is needed. The tail ends as soon as the
 * client goes away (its hub subscription with it).
 *
 * Tails are numerous and mostly idle for hours, so one is a single {@link SseTail} the hub pushes
 * pages to (`hub.attach`): it writes each page at once, and queues pages only while the client's
 * connection is full. Nothing waits while a tail is idle — no suspended reader, no per-tail abort
 * controller — which is most of what an idle tail used to hold.
 */
import { EVENT_TYPE, SSE_EVENT, type TailControl } from "@open-chat/shared";
import type { Heartbeats } from "../http/heartbeats.js";
import { SharedFrame, writeFrame, type SseSink } from "../http/raw-sse.js";
import { StreamsError } from "../streams/client/errors.js";
import type { ReadResult } from "../streams/client/types.js";
import { bufferedEvents, overrun, type ChatPage, type FeedTarget, type StreamHub } from "./stream-hub.js";

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
   * Watches whether the reader may still read: called once with the tail's `end`, to call when
   * its session is revoked by a sign-out or a user deletion (auth/live-sessions.ts); returns the
   * unwatch. The response ends, and the client's reconnect meets 401. A read-only tail would
   * otherwise outlive its session by hours.
   */
  watchRevocation?: (end: () => void) => () => void;
}

/** Sends the view until the client goes away, the session is revoked or the chat is deleted; rejects when the tail failed. */
export function pipeSseView(sse: SseSink, options: SseViewOptions): Promise<void> {
  const tail = new SseTail(sse, options);
  tail.start(options);
  return tail.done;
}

/** The heartbeat: an SSE comment, which clients ignore. */
const PING = new SharedFrame(": ping\n\n");

/** One live tail: the hub's target for its chat's pages, writing them to the client's sink. */
class SseTail implements FeedTarget {
  ended = false;
  /** Pages waiting while the client's connection is full (or the catch-up is being written). */
  private queue: ChatPage[] = [];
  private queued = 0; // the queue's bufferedEvents
  private writing = false;
  /** Whether a control frame said the catch-up reached the end (sent once without records). */
  private announced = false;
  private readonly endListeners: Array<() => void> = [];
  private readonly finished = Promise.withResolvers<void>();
  private readonly stopBeating: () => void;
  private readonly unwatch: (() => void) | undefined;
  private readonly sse: SseSink;
  private readonly publicOffset: (tierOffset: string) => string;
  private readonly maxQueued: number;

  constructor(sse: SseSink, options: SseViewOptions) {
    this.sse = sse;
    this.publicOffset = options.publicOffset;
    this.maxQueued = options.hub.maxBufferedEvents;
    sse.onAbort(() => this.end());
    // A ping only while nothing is queued: a full connection is not idle, and it drains first.
    // A ping that cannot be written means the client is gone: the tail ends without a failure.
    this.stopBeating = options.heartbeats.add(() => {
      if (!this.writing) writeFrame(sse, PING).catch(() => this.end());
    });
    this.unwatch = options.watchRevocation?.(() => this.end());
    // Revoked while the watch began: end() ran before there was an unwatch to call.
    if (this.ended) this.unwatch?.();
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  /** Writes the retry hint and the route's catch-up page, then attaches to the hub after it. */
  start(options: SseViewOptions): void {
    const first = options.first;
    // Dropped once queued (the options are not kept): a tail lives for hours, and its catch-up
    // page can be large.
    options.first = undefined;
    this.sse.write(`retry: ${options.retryMs}\n\n`).catch((error: unknown) => this.end(error));
    if (first) this.push(first);
    if (this.ended || (first && closesChat(first))) return;
    const from = { offset: first?.nextOffset ?? options.offset, upToDate: first?.upToDate ?? false };
    options.hub.attach(options.stream, { chatId: options.chatId, key: options.key, ...from }, this);
  }

  push(page: ChatPage): void {
    if (this.ended) return;
    this.queue.push(page);
    this.queued += bufferedEvents(page);
    if (this.queued > this.maxQueued) return this.end(overrun(this.maxQueued));
    if (!this.writing) void this.drain();
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.stopBeating();
    this.unwatch?.();
    for (const listener of this.endListeners.splice(0)) listener();
    // A stream deleted under the tail (its user was deleted, or merged into a verified user)
    // ends the tail; the reconnect meets 401/404. Not a failure worth a log line.
    if (error === undefined || (error instanceof StreamsError && error.status === 404)) this.finished.resolve();
    else this.finished.reject(error);
  }

  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /** Writes the queued pages in order; waits only when the client's connection is full. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let page = this.queue.shift(); page && !this.ended; page = this.queue.shift()) {
        this.queued -= bufferedEvents(page);
        const closed = closesChat(page);
        // Control after every batch, and once when the catch-up first reaches the end.
        if (page.records.length > 0 || (page.upToDate && !this.announced) || closed) {
          await writeFrame(this.sse, framesOf(page, this.publicOffset, closed));
          this.announced ||= page.upToDate;
        }
        if (closed) this.end();
      }
    } catch (error) {
      this.end(error);
    } finally {
      this.writing = false;
    }
  }
}

/** True when the page closes the chat (its tombstone is in it). */
function closesChat(page: ChatPage): boolean {
  return page.records.some((r) => (r as { type?: unknown } | null)?.type === EVENT_TYPE.chatDeleted);
}

/** Frames of a batch with records, encoded once (text and HTTP chunk) however many tails of the chat send them. */
const encoded = new WeakMap<ChatPage, { id: string; frame: SharedFrame }>();

function framesOf(page: ChatPage, publicOffset: (tierOffset: string) => string, closed: boolean): SharedFrame {
  const id = publicOffset(page.nextOffset);
  const cached = encoded.get(page);
  if (cached?.id === id) return cached.frame;
  const control: TailControl = { streamNextOffset: id, upToDate: page.upToDate };
  if (page.cursor) control.streamCursor = page.cursor;
  if (closed) control.streamClosed = true;
  const data = page.records.length > 0 ? `event: ${SSE_EVENT.data}\ndata: ${JSON.stringify(page.records)}\nid: ${id}\n\n` : "";
  const frame = new SharedFrame(`${data}event: ${SSE_EVENT.control}\ndata: ${JSON.stringify(control)}\nid: ${id}\n\n`);
  // Only batches with records are shared between tails (an empty one is a tail's own catch-up).
  if (page.records.length > 0) encoded.set(page, { id, frame });
  return frame;
}
