/**
 * Wake notices, the reader's half: ONE live read per process of the hour's wake stream
 * (wake-streams.ts), calling the watcher of each stream named in it. The stream hub parks the
 * upstream read of a quiet user stream and watches it here instead (stream-hub.ts), so an idle
 * tail costs its client's connection and nothing towards the tier.
 *
 * The read resumes from its own offset after a failure (the notices are durable: none is lost
 * by a reconnect). At each hour the next stream is read from its start, and the previous one is
 * still read for `graceMs`, for writers whose clocks are a little behind. While the read fails,
 * `healthy` is false and the gap listeners run: parked readers go back to live reads, since a
 * notice may come late.
 *
 * ```ts
 * const wakes = startWakeListener({ streams });
 * const unwatch = wakes.watch("oc.t1.u1", () => readAgain());
 * wakes.wake("oc.t1.u1"); // this process appended to it: no need to wait for the notice
 * ```
 */
import { StreamsError } from "../client/errors.js";
import type { StreamsClient } from "../client/types.js";
import { WAKE_BUCKET_MS, WAKE_TTL_SECONDS, wakeBucket, wakeStreamName, wokenStreams } from "./wake-streams.js";

export interface WakeListenerOptions {
  streams: Pick<StreamsClient, "ensureStream" | "read" | "live">;
  /** Wall clock (ms). */
  now?: () => number;
  bucketMs?: number;
  /** How long the previous hour's stream is still read after the hour turned. Default 2 min. */
  graceMs?: number;
  /** Idle keep-alive of the live read. Default 60 s. */
  keepAliveMs?: number;
  /** The read failed (it is retried). Default: one warning line. */
  onError?: (error: unknown) => void;
}

export interface WakeListener {
  /** Calls `wake` on every notice naming `stream` (one watcher per stream); returns the unwatch. */
  watch(stream: string, wake: () => void): () => void;
  /**
   * Wakes the watcher of `stream` as a notice naming it would: this process has just written to
   * it (wake-notices.ts `local`), so its own parked readers need not wait for the notice to come
   * back through the tier.
   */
  wake(stream: string): void;
  /** True while the current wake stream is read without a gap: only then may a reader rely on notices. */
  readonly healthy: boolean;
  /** Runs whenever notices may be missed or late (the read failed): parked readers should read live again. */
  onGap(listener: () => void): void;
  /** Resolves once the read of the current wake stream is open and caught up (for tests and start-up). */
  ready(): Promise<void>;
  close(): void;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 10_000;

export function startWakeListener(options: WakeListenerOptions): WakeListener {
  const { streams } = options;
  const now = options.now ?? Date.now;
  const bucketMs = options.bucketMs ?? WAKE_BUCKET_MS;
  const graceMs = options.graceMs ?? 2 * 60_000;
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  const onError = options.onError ?? ((error: unknown) => console.warn(`[open-chat] wake notices: ${(error as Error).message}`));
  const watchers = new Map<string, () => void>();
  const gapListeners: Array<() => void> = [];
  let closed = false;
  let current = wakeBucket(now(), bucketMs);
  let healthy = false;
  const firstReady = Promise.withResolvers<void>();
  let turnTimer: NodeJS.Timeout | undefined;

  const setHealthy = (bucket: number, value: boolean) => {
    if (bucket !== current || healthy === value) return;
    healthy = value;
    if (value) firstReady.resolve();
    else for (const listener of gapListeners) listener();
  };

  /** Follows one hour's wake stream until `signal` aborts, from `from` (`"now"` or the start). */
  async function follow(bucket: number, from: "now" | "-1", signal: AbortSignal): Promise<void> {
    const name = wakeStreamName(bucket);
    let offset: string | undefined;
    let delay = RETRY_FIRST_MS;
    while (!signal.aborted) {
      try {
        await streams.ensureStream(name, { ttlSeconds: WAKE_TTL_SECONDS, signal });
        offset ??= from === "now" ? (await streams.read(name, { offset: "now", signal })).nextOffset : from;
        for await (const page of streams.live(name, { offset, keepAliveMs, signal })) {
          offset = page.nextOffset;
          delay = RETRY_FIRST_MS;
          for (const record of page.records) for (const stream of wokenStreams(record)) watchers.get(stream)?.();
          if (page.upToDate) setHealthy(bucket, true);
        }
      } catch (error) {
        if (signal.aborted) return;
        setHealthy(bucket, false);
        // The wake stream itself is gone (the tier lost it): read its new incarnation from the start.
        if (error instanceof StreamsError && error.status === 404) offset = "-1";
        onError(error);
        await pause(delay, signal);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** At each hour: read the new stream from its start, keep the old one for `graceMs`. */
  function scheduleTurn(): void {
    const nextAt = (current + 1) * bucketMs;
    turnTimer = setTimeout(() => {
      const previous = reads.get(current);
      current += 1;
      healthy = false;
      startRead(current, "-1");
      if (previous) setTimeout(() => previous.abort(), graceMs).unref();
      scheduleTurn();
    }, Math.max(0, nextAt - now()));
    turnTimer.unref();
  }

  const reads = new Map<number, AbortController>();
  function startRead(bucket: number, from: "now" | "-1"): void {
    const read = new AbortController();
    reads.set(bucket, read);
    void follow(bucket, from, read.signal).finally(() => reads.delete(bucket));
  }

  startRead(current, "now");
  scheduleTurn();

  return {
    watch(stream, wake) {
      watchers.set(stream, wake);
      return () => {
        if (watchers.get(stream) === wake) watchers.delete(stream);
      };
    },
    wake(stream) {
      watchers.get(stream)?.();
    },
    get healthy() {
      return healthy && !closed;
    },
    onGap(listener) {
      gapListeners.push(listener);
    },
    ready: () => firstReady.promise,
    close() {
      clearTimeout(turnTimer);
      closed = true;
      for (const read of reads.values()) read.abort();
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
