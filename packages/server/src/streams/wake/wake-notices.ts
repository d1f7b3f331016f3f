/**
 * Wake notices, the writer's half: a streams client for the remote tier that, after an append
 * to a stream it has not appended to for `quietMs`, announces that stream in the hour's wake
 * stream (wake-streams.ts). A process whose live tails of that stream are parked (their
 * upstream read closed while the stream was quiet, stream-hub.ts) follows the wake stream and
 * reads the stream again on the notice.
 *
 * Why only after a quiet spell: a reader parks a stream only after receiving nothing from it for
 * `parkAfterMs` (twice `quietMs`, stream-hub.ts), and reads it once more after parking. So an
 * append made within `quietMs` of this process's previous one finds the reader still live, or
 * parked after that read saw it; only an append that took longer than the margin could slip
 * through, and the hub's periodic re-check covers that. A streamed answer costs one notice, not
 * one per token batch.
 *
 * The notice is written after the append returns (a reader woken by it finds the records),
 * batched (one wake append in flight, the names gathered meanwhile go in the next), and never
 * delays the append. A notice that cannot be written is retried; a parked reader that misses
 * one anyway catches up at its re-check.
 *
 * This process's own parked readers are woken directly (`local`), after every append and
 * deletion: the notice's round trip through the tier — its append, then the listener's read —
 * would come on top of the wake otherwise (bench:load, fan-out to 1,000 tails of a parked chat).
 *
 * ```ts
 * const wakes = startWakeListener({ streams: client });
 * const streams = withWakeNotices(client, { quietMs: 30_000, local: wakes });
 * await streams.append("oc.t1.u1", [event]); // after a quiet spell: `{ wake: ["oc.t1.u1"] }` follows
 * ```
 */
import { afterWrites } from "../client/after-writes.js";
import type { StreamsClient } from "../client/types.js";
import type { WakeListener } from "./wake-listener.js";
import { WAKE_BUCKET_MS, WAKE_TTL_SECONDS, wakeBucket, wakeStreamName, type WakeRecord } from "./wake-streams.js";

export interface WakeNoticeOptions {
  /** A stream appended to by this process within this long is not announced again. */
  quietMs: number;
  /** Wall clock (ms). */
  now?: () => number;
  bucketMs?: number;
  /** A wake append failed (it is retried). Default: one warning line. */
  onError?: (error: unknown) => void;
  /** This process's wake listener: woken at once for every stream this client writes to. */
  local?: Pick<WakeListener, "wake">;
}

export interface WakeNotices extends StreamsClient {
  /** Resolves once every notice queued so far is written (for tests and shutdown). */
  flushed(): Promise<void>;
}

/** Retry delays of a failed wake append: from 200 ms doubling, at most 10 s apart. */
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 10_000;
/** Names waiting past this many (the tier is down for long) are dropped: the re-check covers them. */
const MAX_PENDING = 50_000;

export function withWakeNotices(client: StreamsClient, options: WakeNoticeOptions): WakeNotices {
  const { quietMs } = options;
  const now = options.now ?? Date.now;
  const bucketMs = options.bucketMs ?? WAKE_BUCKET_MS;
  const onError = options.onError ?? ((error: unknown) => console.warn(`[open-chat] wake notice not written yet: ${(error as Error).message}`));
  /** When this process last finished an append to each stream (pruned past `quietMs`). */
  const lastAppend = new Map<string, number>();
  let pruneAt = 1_024;
  const pending = new Set<string>();
  let flushing: Promise<void> | undefined;
  const ensured = new Map<number, Promise<unknown>>();

  function finished(name: string): void {
    options.local?.wake(name);
    const at = now();
    const previous = lastAppend.get(name);
    lastAppend.set(name, at);
    if (previous === undefined || at - previous >= quietMs) announce(name);
    if (lastAppend.size >= pruneAt) {
      for (const [stream, when] of lastAppend) if (at - when >= quietMs) lastAppend.delete(stream);
      pruneAt = Math.max(1_024, lastAppend.size * 2);
    }
  }

  function announce(name: string): void {
    if (pending.size >= MAX_PENDING) pending.clear();
    pending.add(name);
    flushing ??= flush().finally(() => (flushing = undefined));
  }

  async function flush(): Promise<void> {
    let delay = RETRY_FIRST_MS;
    while (pending.size > 0) {
      const names = [...pending];
      pending.clear();
      try {
        await writeNotice(names);
        delay = RETRY_FIRST_MS;
      } catch (error) {
        onError(error);
        for (const name of names) pending.add(name);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  async function writeNotice(names: string[]): Promise<void> {
    const bucket = wakeBucket(now(), bucketMs);
    let created = ensured.get(bucket);
    if (!created) {
      created = client.ensureStream(wakeStreamName(bucket), { ttlSeconds: WAKE_TTL_SECONDS });
      ensured.set(bucket, created);
      created.catch(() => ensured.delete(bucket));
      for (const old of ensured.keys()) if (old < bucket - 1) ensured.delete(old);
    }
    await created;
    const record: WakeRecord = { wake: names };
    await client.append(wakeStreamName(bucket), [record]);
  }

  return {
    ...afterWrites(client, {
      appended: finished,
      // A deleted stream's parked tails end on the notice (their read meets the 404).
      deleted(name) {
        options.local?.wake(name);
        lastAppend.delete(name);
        announce(name);
      },
    }),
    async flushed() {
      while (flushing) await flushing;
    },
  };
}
