/**
 * `live()` for a streams tier that only this process writes to — the embedded streams-local,
 * which holds its data folder's lock for as long as the server runs. Every append and delete
 * goes through this client, so it knows when a stream changed: a live read is a catch-up read,
 * then a wait for this process's next append to that stream (or its deletion), then the new
 * records. An idle stream costs nothing; there is no upstream request waiting per stream.
 *
 * The new records usually come without a read: when an append was the only write to its stream
 * from a moment this process knew the stream's exact end (a read that no write overlapped, or
 * the previous such append) until its acknowledgement, the records between that end and the
 * append's `nextOffset` are exactly its own. The append becomes a page starting at that end,
 * and a reader standing there takes it instead of asking the tier (before: one read per append
 * and stream, serial after the append's round trip, on the tier that was already the busiest
 * part of the embedded server). Whenever that is not certain — appends to one stream that
 * overlap, a failed or duplicate append, a deletion, a stream (re)created — the reader reads,
 * as before. Pages are only ever made from acknowledged appends: append first (invariant 1).
 *
 * The remote tier is not wrapped: other processes append to it, so its `live()` is the tier's
 * own SSE (http-client.ts). streams-local cannot serve that: it crashes when a stream is deleted
 * under an open SSE read.
 *
 * ```ts
 * const streams = withAppendNotices(createStreamsClient({ baseUrl: embedded.url }));
 * for await (const page of streams.live("user:u1", { offset, signal })) deliver(page);
 * ```
 */
import type { ReadResult, StreamsClient } from "./types.js";

/** Appends kept as pages per watched stream: enough for a reader a few appends behind to catch up without a read. */
const PAGES_KEPT = 16;

interface Watched {
  /** Changes on every append to (or deletion of) the stream. */
  version: number;
  changed: PromiseWithResolvers<void>;
  readers: number;
  /** Appends, deletions and creations started on the stream while it is watched: a change means it moved under whoever looked. */
  writesStarted: number;
  /** The stream's exact end when this process last knew it for certain; undefined when unsure. */
  end: string | undefined;
  /** Recent appends as pages, by the offset each starts at. */
  pages: Map<string, ReadResult>;
}

export function withAppendNotices(client: StreamsClient): StreamsClient {
  const watched = new Map<string, Watched>();
  /** Writes in flight per stream, watched or not: a read or append that starts beside one cannot know the stream's end. */
  const inFlight = new Map<string, number>();

  /** A write to `name` begins: whatever was known of its end no longer is. Returns the end if this write is the only one. */
  const writeStarts = (name: string): { stream: Watched | undefined; started: number; end: string | undefined } => {
    const alone = !inFlight.has(name);
    inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
    const stream = watched.get(name);
    if (!stream) return { stream, started: 0, end: undefined };
    const end = alone ? stream.end : undefined;
    stream.end = undefined;
    return { stream, started: ++stream.writesStarted, end };
  };

  const writeEnds = (name: string) => {
    const left = inFlight.get(name)! - 1;
    if (left === 0) inFlight.delete(name);
    else inFlight.set(name, left);
  };

  const touched = (name: string) => {
    const stream = watched.get(name);
    if (!stream) return;
    stream.version++;
    const { changed } = stream;
    stream.changed = Promise.withResolvers<void>();
    changed.resolve();
  };

  /**
   * Runs a write that is not an append: afterwards nothing is certain about the stream's end, and
   * its readers look again. Its pages go: a stream deleted and created anew counts its offsets
   * from the start again, so an old page could match a new offset.
   */
  const otherWrite = async <T>(name: string, write: () => Promise<T>): Promise<T> => {
    writeStarts(name).stream?.pages.clear();
    try {
      return await write();
    } finally {
      writeEnds(name);
      touched(name);
    }
  };

  return {
    baseUrl: client.baseUrl,
    read: (name, options) => client.read(name, options),
    ping: (options) => client.ping(options),
    ensureStream: (name, options) => otherWrite(name, () => client.ensureStream(name, options)),
    deleteStream: (name, options) => otherWrite(name, () => client.deleteStream(name, options)),
    async append(name, records, options) {
      const start = writeStarts(name);
      try {
        const result = await client.append(name, records, options);
        const { stream } = start;
        // Still the only write since the end was known, and stored (not a duplicate): its records are exactly what follows that end.
        if (stream && watched.get(name) === stream && start.end !== undefined && stream.writesStarted === start.started && !result.duplicate && result.nextOffset) {
          keepPage(stream, start.end, { records: JSON.parse(JSON.stringify(records)) as unknown[], nextOffset: result.nextOffset, upToDate: true });
          stream.end = result.nextOffset;
        }
        return result;
      } finally {
        // Readers look again after every append, failed ones too: one that timed out may still have been stored.
        writeEnds(name);
        touched(name);
      }
    },
    async *live(name, options = {}) {
      const { signal } = options;
      let stream = watched.get(name);
      if (!stream) watched.set(name, (stream = { version: 0, changed: Promise.withResolvers<void>(), readers: 0, writesStarted: 0, end: undefined, pages: new Map() }));
      stream.readers++;
      try {
        let offset = options.offset ?? "-1";
        while (!signal?.aborted) {
          const seen = stream.version;
          const kept = stream.pages.get(offset);
          // A kept page reaches the stream's end only if the end is known to be where it stops.
          let page = kept && { ...kept, upToDate: kept.nextOffset === stream.end };
          if (!page) {
            const quiet = !inFlight.has(name);
            const writesBefore = stream.writesStarted;
            try {
              page = await client.read(name, { offset, ...(signal ? { signal } : {}) });
            } catch (error) {
              if (signal?.aborted) return;
              throw error;
            }
            // No write in flight or begun around this read: where it ended is where the stream ends.
            if (quiet && page.upToDate && stream.writesStarted === writesBefore) stream.end = page.nextOffset;
          }
          yield page;
          offset = page.nextOffset;
          // More to read, or an append landed while this page was on its way: look again at once.
          if (!page.upToDate || stream.version !== seen) continue;
          await untilAborted(stream.changed.promise, signal);
        }
      } finally {
        if (--stream.readers === 0) watched.delete(name);
      }
    },
  };
}

function keepPage(stream: Watched, from: string, page: ReadResult): void {
  stream.pages.set(from, page);
  if (stream.pages.size > PAGES_KEPT) stream.pages.delete(stream.pages.keys().next().value!);
}

/** Resolves when `changed` does or `signal` aborts, whichever comes first. */
function untilAborted(changed: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return changed;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void changed.then(done);
  });
}
