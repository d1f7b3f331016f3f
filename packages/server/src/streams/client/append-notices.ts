/**
 * `live()` for a streams tier that only this process writes to — the embedded streams-local,
 * which holds its data folder's lock for as long as the server runs. Every append and delete
 * goes through this client, so it knows when a stream changed: a live read is a catch-up read,
 * then a wait for this process's next append to that stream (or its deletion), then another
 * catch-up read. An idle stream costs nothing; there is no upstream request waiting per stream.
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
import { afterWrites } from "./after-writes.js";
import type { StreamsClient } from "./types.js";

interface Watched {
  /** Changes on every append to (or deletion of) the stream. */
  version: number;
  changed: PromiseWithResolvers<void>;
  readers: number;
}

export function withAppendNotices(client: StreamsClient): StreamsClient {
  const watched = new Map<string, Watched>();

  const touched = (name: string) => {
    const stream = watched.get(name);
    if (!stream) return;
    stream.version++;
    const { changed } = stream;
    stream.changed = Promise.withResolvers<void>();
    changed.resolve();
  };

  return {
    // Readers look again after every write, failed ones too: a read that finds nothing new is harmless.
    ...afterWrites(client, { appended: touched, deleted: touched }),
    async *live(name, options = {}) {
      const { signal } = options;
      let stream = watched.get(name);
      if (!stream) watched.set(name, (stream = { version: 0, changed: Promise.withResolvers<void>(), readers: 0 }));
      stream.readers++;
      try {
        let offset = options.offset ?? "-1";
        while (!signal?.aborted) {
          const seen = stream.version;
          let page;
          try {
            page = await client.read(name, { offset, ...(signal ? { signal } : {}) });
          } catch (error) {
            if (signal?.aborted) return;
            throw error;
          }
          yield page;
          offset = page.nextOffset;
          // More to read, or an append landed while this read was in flight: read on at once.
          if (!page.upToDate || stream.version !== seen) continue;
          await untilAborted(stream.changed.promise, signal);
        }
      } finally {
        if (--stream.readers === 0) watched.delete(name);
      }
    },
  };
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
