/**
 * One tail's queue in the stream hub (stream-hub.ts): pages of one chat waiting for that tail's
 * client. The hub pushes without ever waiting for a client; a client that falls more than
 * `maxBufferedEvents` behind is dropped with {@link TailOverrunError} (its queue is discarded at
 * once), so its response ends and it reconnects from its last offset (`Last-Event-ID`) — a
 * slow reader costs itself a reconnect, never the others a delay.
 */

/** A batch of one chat's records, exactly as a key-filtered read of the tier would return it. */
export interface ChatPage {
  /** Records of this chat, strictly after the previous page's `nextOffset`, in log order. Shared between tails: never mutate. */
  readonly records: readonly unknown[];
  /** Where a reader of this chat resumes after this page (a streams-tier offset). */
  readonly nextOffset: string;
  readonly upToDate: boolean;
  readonly cursor?: string;
}

/** The reader fell too far behind the log; it should reconnect from its last offset. */
export class TailOverrunError extends Error {
  override readonly name = "TailOverrunError";
}

/** What the hub delivers one tail's pages to: a feed read with `next()`, or a writer that sends each page on at once (sse-view.ts). */
export interface FeedTarget {
  /** Takes a page (never waits). Past its buffer bound the target ends itself with {@link TailOverrunError}. */
  push(page: ChatPage): void;
  /** Ends the target (with `error`: the tail failed). Idempotent. */
  end(error?: unknown): void;
  readonly ended: boolean;
  /** Runs once when the target ends (the hub detaches it from its upstream read). */
  onEnd(listener: () => void): void;
}

export interface Feed extends FeedTarget {
  /** Ends the feed: `next()` then answers null, or throws `error` when one is given. Idempotent. */
  end(error?: unknown): void;
  /** The next page, or null once the feed ended without an error. */
  next(): Promise<ChatPage | null>;
}

/** What a queued page counts towards `maxBufferedEvents`: its records, and an empty page as one. */
export function bufferedEvents(page: ChatPage): number {
  return Math.max(1, page.records.length);
}

/** The overrun error of a reader more than `maxBufferedEvents` behind. */
export function overrun(maxBufferedEvents: number): TailOverrunError {
  return new TailOverrunError(`the reader is more than ${maxBufferedEvents} events behind the log; reconnect from the last offset`);
}

export function createFeed(maxBufferedEvents: number): Feed {
  let queue: ChatPage[] = [];
  let buffered = 0; // records queued (an empty page counts as one)
  let ended = false;
  let failure: { error: unknown } | null = null;
  let waiter: PromiseWithResolvers<void> | null = null;
  const listeners: Array<() => void> = [];

  const wake = () => {
    waiter?.resolve();
    waiter = null;
  };

  const feed: Feed = {
    get ended() {
      return ended;
    },
    push(page) {
      if (ended) return;
      queue.push(page);
      buffered += bufferedEvents(page);
      if (buffered > maxBufferedEvents) {
        feed.end(overrun(maxBufferedEvents));
        return;
      }
      wake();
    },
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        failure = { error };
        queue = []; // a failed reader resumes from its own offset; nothing more is sent
      }
      wake();
      for (const listener of listeners.splice(0)) listener();
    },
    onEnd(listener) {
      if (ended) listener();
      else listeners.push(listener);
    },
    async next() {
      for (;;) {
        const page = queue.shift();
        if (page) {
          buffered -= bufferedEvents(page);
          return page;
        }
        if (failure) throw failure.error;
        if (ended) return null;
        waiter = Promise.withResolvers<void>();
        await waiter.promise;
      }
    },
  };
  return feed;
}
