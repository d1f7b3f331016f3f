/**
 * The stream hub: ONE upstream live read per user stream per process, feeding every live tail
 * of that stream here (every tab, every chat of that user). Without it each tail long-polled
 * the streams tier itself: one tier connection per tail, one re-poll per idle tail every
 * `longPollMs`, one JSON encoding of every batch per client.
 *
 * ```ts
 * const hub = createStreamHub({ streams, longPollMs: 4_000 });
 * for await (const page of hub.follow(stream, { chatId, key: chatKey(chatId), offset, upToDate, signal })) {
 *   write(page.records, page.nextOffset); // exactly the records after `offset`, page by page
 * }
 * ```
 *
 * How a tail joins without a gap or a duplicate (invariants 3 and 4). The upstream read is not
 * filtered by key, so its pages are contiguous ranges `(prev, next]` of the whole stream; the
 * tier's offsets are opaque, so a page cannot be split. A tail therefore catches up on its own
 * with key-filtered reads (which end at the stream's end when up to date) and attaches only
 * when its offset is exactly a page boundary of the upstream: its current position, or the
 * start of one of the last few pages (those pages are replayed to it). Otherwise it reads
 * again, or waits for the upstream to pass its offset, and tries again. Once attached it
 * receives every later page, filtered to its chat (every event carries its `chatId`, and
 * every append of chat X is made under the key `chat:X`).
 *
 * The upstream read is the client's `live()` (the tier's SSE, or this process's append notices
 * for the embedded tier) or a long-poll loop, see `upstream`. It ends when its last tail
 * leaves. When it fails (the tier went away, the stream was deleted) every attached tail ends
 * with that error and its client reconnects from its own last offset. A slow tail never delays
 * the others (stream-hub-feed.ts).
 *
 * Parking (a remote tier with wake notices, streams/wake/): a stream that brought no records for
 * `parkAfterMs` has its live read closed; its tails stay attached at the upstream's position.
 * Parked, it reads once from that position (anything appended before it watched is found
 * there), then waits for a writer's wake notice naming the stream, a tail that read past it,
 * or the re-check every `parkRecheckMs`; records end the parking. When the notices cannot be
 * followed (a gap), every parked stream goes back to a live read. An idle tail then costs its
 * client's socket and nothing towards the tier.
 */
import { compareOffsets } from "@open-chat/shared";
import type { ReadResult, StreamsClient } from "../streams/client/types.js";
import type { WakeListener } from "../streams/wake/wake-listener.js";
import { createFeed, type ChatPage, type FeedTarget } from "./stream-hub-feed.js";

export type { ChatPage, FeedTarget } from "./stream-hub-feed.js";
export { TailOverrunError, bufferedEvents, overrun } from "./stream-hub-feed.js";

/**
 * The reason a live read is closed to park it. One shared value: an abort without a reason makes
 * a DOMException, whose stack text (~0.6 KB) the aborted signal would keep.
 */
const PARKED = new Error("parked");

/** Pages an upstream keeps so a tail that caught up to one of their starts attaches without another read. */
const RECENT_PAGES = 8;

export interface StreamHubOptions {
  streams: Pick<StreamsClient, "read" | "live">;
  /**
   * How the upstream read follows the stream: `"live"` through the client's `live()` — the
   * tier's SSE for a remote streams-server (one response per stream, the tier pushes each batch,
   * an idle stream costs a keep-alive page every `keepAliveMs`), this process's own append
   * notices for the embedded tier (append-notices.ts); `"long-poll"` re-asks every `longPollMs`
   * while idle (for a streams-local reached over HTTP: it crashes when a stream is deleted under
   * an open SSE read). Default `"long-poll"`; runtime.ts picks `"live"`.
   */
  upstream?: "live" | "long-poll";
  /** Upstream long-poll wait, at most 5 s. */
  longPollMs: number;
  /** Live upstream over SSE: an idle stream's keep-alive interval. Default 60 s (the tier closes idle connections after 180 s). */
  keepAliveMs?: number;
  /** Events a tail may fall behind before it is dropped (its client reconnects). Default 4096. */
  maxBufferedEvents?: number;
  /**
   * Parking (live upstream only): a stream that brought no records for `parkAfterMs` has its
   * upstream read closed while its tails stay open, and is read again when `wakes` names it
   * (a writer's wake notice, streams/wake/), at the latest every `parkRecheckMs`. 0 or no
   * `wakes`: never parked.
   */
  wakes?: WakeListener;
  parkAfterMs?: number;
  /** A parked stream is read again at least this often, for a notice that never came. Default 5 min. */
  parkRecheckMs?: number;
  /** Monotonic clock (ms) for parking. */
  now?: () => number;
}

export interface FollowOptions {
  chatId: string;
  /** The chat's routing key (`chat:<id>`), for the tail's own catch-up reads. */
  key: string;
  /** Streams-tier offset the tail has sent everything up to. */
  offset: string;
  /** True when `offset` came from a read that reached the end of the stream. Default false. */
  upToDate?: boolean;
  /** Ends the tail (the client went away). */
  signal: AbortSignal;
}

/** A tail's position for `attach`: what `follow` takes, without the signal (the target ends itself). */
export type AttachOptions = Omit<FollowOptions, "signal">;

export interface StreamHub {
  /**
   * The chat's pages strictly after `offset`, live, until `signal` aborts (then it returns) or
   * the upstream read fails (then it throws; a `StreamsError` 404 means the stream was deleted,
   * `TailOverrunError` that this tail fell too far behind). A page that neither carries records
   * nor reaches the end is never yielded; an offset found to be past the end of the log ends it.
   */
  follow(stream: string, options: FollowOptions): AsyncIterable<ChatPage>;
  /**
   * The same pages pushed to `target` as they come, until it ends (a live SSE tail holds no
   * suspended reader this way: an idle tail is its target object and nothing more). Its buffer
   * bound is its own (`maxBufferedEvents` for the hub's feed); a failure ends it with the error.
   */
  attach(stream: string, options: AttachOptions, target: FeedTarget): void;
  /** Events a tail may fall behind before it is dropped (the bound `follow` applies; `attach` targets apply it themselves). */
  readonly maxBufferedEvents: number;
  /** Upstream reads open (parked ones included), tails attached to them, and parked upstreams (for tests and metrics). */
  stats(): { upstreams: number; attached: number; parked: number };
  /** Parks every upstream quiet for `parkAfterMs` and re-reads those parked for `parkRecheckMs` (a timer does this). */
  sweep(): void;
}

interface Range {
  prev: string;
  next: string;
  byChat: Map<string, ChatPage>;
}

export function createStreamHub(options: StreamHubOptions): StreamHub {
  const { streams, longPollMs } = options;
  const live = options.upstream === "live";
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  const maxBufferedEvents = options.maxBufferedEvents ?? 4_096;
  const upstreams = new Map<string, Upstream>();
  const wakes = live && options.parkAfterMs ? options.wakes : undefined;
  const parkAfterMs = options.parkAfterMs ?? 0;
  const parkRecheckMs = options.parkRecheckMs ?? 5 * 60_000;
  const now = options.now ?? (() => performance.now());

  class Upstream {
    position: string;
    private upToDate = true;
    private readonly recent: Range[] = [];
    readonly attached = new Map<FeedTarget, string>();
    private progressed = Promise.withResolvers<void>();
    private readonly abort = new AbortController();
    /** The open live read (aborted to park); unset once it has ended. */
    private read: AbortController | undefined;
    /** When records last came (or the read began, or it was last looked at while parked). */
    lastActive = now();
    parked: { woken: PromiseWithResolvers<void>; resume: boolean; unwatch: () => void } | undefined;

    constructor(
      readonly stream: string,
      from: string,
    ) {
      this.position = from;
    }

    /** Attaches `feed` when `offset` is a page boundary it knows, replaying the pages after it. */
    tryAttach(feed: FeedTarget, chatId: string, offset: string): boolean {
      let replay = this.recent.length;
      if (offset !== this.position) {
        replay = this.recent.findIndex((range) => range.prev === offset);
        if (replay < 0) return false;
      }
      for (const range of this.recent.slice(replay)) {
        const page = range.byChat.get(chatId);
        if (page) feed.push(page);
      }
      if (feed.ended) return true;
      this.attached.set(feed, chatId);
      feed.onEnd(() => this.detach(feed));
      return true;
    }

    /** Resolves when the upstream read returned its next page, ended or failed. */
    progress(): Promise<void> {
      return this.progressed.promise;
    }

    private detach(feed: FeedTarget): void {
      this.attached.delete(feed);
      if (this.attached.size === 0) this.close();
    }

    private close(): void {
      if (upstreams.get(this.stream) === this) upstreams.delete(this.stream);
      this.abort.abort();
      this.read?.abort();
      this.parked?.unwatch();
      this.parked?.woken.resolve();
      this.progressed.resolve();
    }

    /** Closes the live read; the tails stay attached and the stream is read again on a wake. */
    park(): void {
      if (this.parked || !wakes || this.abort.signal.aborted) return;
      this.parked = { woken: Promise.withResolvers<void>(), resume: false, unwatch: wakes.watch(this.stream, () => this.nudge()) };
      // The pages kept for joining tails are dropped: a tail joins at the current position.
      this.recent.length = 0;
      this.read?.abort(PARKED);
    }

    /** Makes a parked upstream read the stream again; with `resume`, go back to a live read whatever it finds. */
    nudge(resume = false): void {
      if (!this.parked) return;
      this.parked.resume ||= resume;
      this.parked.woken.resolve();
    }

    private fail(error: unknown): void {
      this.close();
      for (const feed of [...this.attached.keys()]) feed.end(error);
    }

    async run(): Promise<void> {
      try {
        if (!live) return await this.poll();
        // Live upstream: a `live()` read for as long as tails are attached (closed while parked),
        // each page pushed to them. Inline, not a method: a parked stream waits for hours, and
        // each suspended frame it waits in is memory it holds.
        while (!this.abort.signal.aborted) {
          if (this.parked) await this.whileParked();
          else await this.readLive();
        }
      } catch (error) {
        if (!this.abort.signal.aborted) this.fail(error);
      }
    }

    /** Long-poll upstream: one read per page, a long-poll while up to date. */
    private async poll(): Promise<void> {
      const signal = this.abort.signal;
      while (!signal.aborted) {
        const page = await streams.read(this.stream, {
          offset: this.position,
          ...(this.upToDate ? { live: "long-poll" as const, timeoutMs: longPollMs } : {}),
          signal,
        });
        await this.checkNotPastEnd(page);
        if (signal.aborted) return;
        this.deliver(page);
      }
    }

    /**
     * Parked: reads from the position (anything appended before the watch began is found here,
     * anything after it brings a notice), then waits for a notice, a re-check or a gap.
     * Records, or a gap in the notices, end the parking.
     */
    private async whileParked(): Promise<void> {
      const signal = this.abort.signal;
      const parked = this.parked!;
      while (!signal.aborted) {
        const page = await streams.read(this.stream, { offset: this.position, signal });
        await this.checkNotPastEnd(page);
        if (signal.aborted) return;
        this.lastActive = now();
        this.deliver(page);
        if (page.records.length > 0 || !page.upToDate || parked.resume || !wakes?.healthy) {
          parked.unwatch();
          this.parked = undefined;
          return;
        }
        await parked.woken.promise;
        parked.woken = Promise.withResolvers<void>();
      }
    }

    private async readLive(): Promise<void> {
      const read = new AbortController();
      this.read = read;
      try {
        await this.followReads(read.signal);
      } finally {
        // A parked stream is held for hours: it keeps no ended read (nor its abort reason).
        if (this.read === read) this.read = undefined;
      }
    }

    private async followReads(signal: AbortSignal): Promise<void> {
      this.lastActive = now();
      while (!signal.aborted) {
        let delivered = false;
        try {
          for await (const page of streams.live(this.stream, { offset: this.position, keepAliveMs, signal })) {
            await this.checkNotPastEnd(page);
            if (signal.aborted) return;
            this.deliver(page);
            delivered = true;
          }
        } catch (error) {
          if (signal.aborted) return;
          // A deleted stream (404) or an unreachable tier fails the tails (this read throws);
          // a connection cut after pages came is opened again from where it stood.
          await streams.read(this.stream, { offset: "now", signal });
          if (!delivered) throw error;
          continue;
        }
        if (!delivered && !signal.aborted) throw new Error(`the streams tier ended the live read of ${this.stream} without a page`);
      }
    }

    /** Parks when quiet for `parkAfterMs`; when parked for `parkRecheckMs`, reads once more. */
    sweep(at: number): void {
      if (this.parked) {
        if (at - this.lastActive >= parkRecheckMs) this.nudge();
      } else if (at - this.lastActive >= parkAfterMs && wakes?.healthy) {
        this.park();
      }
    }

    private async checkNotPastEnd(page: ReadResult): Promise<void> {
      if (page.records.length === 0 && !page.upToDate && (await pastEnd(this.stream, this.position))) {
        throw new Error(`the end of stream ${this.stream} now lies before offset ${this.position} (the streams tier lost data)`);
      }
    }

    private deliver(page: ReadResult): void {
      const range: Range = { prev: this.position, next: page.nextOffset, byChat: pagesByChat(page) };
      this.position = page.nextOffset;
      this.upToDate = page.upToDate;
      if (page.records.length > 0) this.lastActive = now();
      if (range.prev !== range.next || range.byChat.size > 0) {
        this.recent.push(range);
        if (this.recent.length > RECENT_PAGES) this.recent.shift();
      }
      for (const [feed, chatId] of this.attached) {
        const chatPage = range.byChat.get(chatId);
        if (chatPage) feed.push(chatPage);
      }
      const progressed = this.progressed;
      this.progressed = Promise.withResolvers<void>();
      progressed.resolve();
    }
  }

  function sweep(): void {
    const at = now();
    for (const upstream of upstreams.values()) upstream.sweep(at);
  }
  if (wakes) {
    setInterval(sweep, Math.max(1_000, Math.min(parkAfterMs, parkRecheckMs) / 4)).unref();
    // Notices may be missed or late: every parked stream goes back to a live read.
    wakes.onGap(() => {
      for (const upstream of upstreams.values()) upstream.nudge(true);
    });
  }

  async function pastEnd(stream: string, offset: string): Promise<boolean> {
    const end = await streams.read(stream, { offset: "now" });
    return compareOffsets(offset, end.nextOffset) > 0;
  }

  /** Catches `feed` up with its own key-filtered reads until it can attach to the upstream read. */
  async function join(feed: FeedTarget, stream: string, options: AttachOptions & { signal?: AbortSignal }): Promise<void> {
    const { chatId, key, signal } = options;
    let offset = options.offset;
    let caughtUp = options.upToDate ?? false;
    while (!feed.ended && !signal?.aborted) {
      if (caughtUp) {
        const upstream = upstreams.get(stream);
        if (!upstream) {
          const started = new Upstream(stream, offset);
          upstreams.set(stream, started);
          started.tryAttach(feed, chatId, offset);
          void started.run();
          return;
        }
        if (upstream.tryAttach(feed, chatId, offset)) return;
        // The upstream has not read this far yet: wait for its next page, then try again (a
        // parked one reads at once: the tail found records it has not seen).
        if (compareOffsets(offset, upstream.position) > 0) {
          const progressed = upstream.progress();
          upstream.nudge();
          await progressed;
          continue;
        }
      }
      const page = await streams.read(stream, { offset, key, signal });
      if (page.records.length === 0 && !page.upToDate) {
        // Past the end of the log (past-end.ts): the reconnect is answered 400 invalid_offset.
        if (await pastEnd(stream, offset)) return feed.end();
      }
      if (page.records.length > 0 || page.upToDate) feed.push(page);
      offset = page.nextOffset;
      caughtUp = page.upToDate;
    }
  }

  /** One tail's pages (see StreamHub.follow). A generator function made once: a tail holds its generator and nothing made per call besides. */
  async function* follow(stream: string, followOptions: FollowOptions): AsyncGenerator<ChatPage> {
    const feed = createFeed(maxBufferedEvents);
    const { signal } = followOptions;
    const stop = () => feed.end();
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    join(feed, stream, followOptions).catch((error: unknown) => feed.end(signal.aborted ? undefined : error));
    try {
      for (;;) {
        const page = await feed.next();
        if (!page) return;
        yield page;
      }
    } finally {
      signal.removeEventListener("abort", stop);
      feed.end();
    }
  }

  function attach(stream: string, options: AttachOptions, target: FeedTarget): void {
    join(target, stream, options).catch((error: unknown) => target.end(error));
  }

  return {
    follow,
    attach,
    maxBufferedEvents,
    stats() {
      let attached = 0;
      let parked = 0;
      for (const upstream of upstreams.values()) {
        attached += upstream.attached.size;
        if (upstream.parked) parked++;
      }
      return { upstreams: upstreams.size, attached, parked };
    },
    sweep,
  };
}

/** One page per chat that has records in `page`, in log order, each ending where `page` ends. */
function pagesByChat(page: ReadResult): Map<string, ChatPage> {
  const records = new Map<string, unknown[]>();
  for (const record of page.records) {
    const chatId = (record as { chatId?: unknown } | null)?.chatId;
    if (typeof chatId !== "string") continue;
    let list = records.get(chatId);
    if (!list) records.set(chatId, (list = []));
    list.push(record);
  }
  const pages = new Map<string, ChatPage>();
  for (const [chatId, list] of records) {
    pages.set(chatId, { records: list, nextOffset: page.nextOffset, upToDate: page.upToDate, ...(page.cursor ? { cursor: page.cursor } : {}) });
  }
  return pages;
}
