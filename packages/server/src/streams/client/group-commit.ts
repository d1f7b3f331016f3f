/**
 * Group commit for one writer of one key: at most ONE append in flight; everything pushed while
 * it is in flight is buffered and goes out as the next single append. Under load the number of
 * appends tracks the streams tier's latency, not the token rate.
 *
 * How the generator uses it (generation/generator.ts; `coalesceDeltas` is generation/coalesce.ts,
 * `events` an event factory from log/event-factory.ts):
 *
 * ```ts
 * const appender = createGroupCommitAppender<ChatEvent>({
 *   client: streams, stream: userStreamName(user), key: chatKey(chatId),
 *   producerId, epoch, startSeq: 1, coalesce: coalesceDeltas, minIntervalMs: 20,
 * });
 * for await (const chunk of models.stream({ model, messages, signal })) {
 *   if (chunk.type === "delta") appender.push(events.make({ type: "message.delta", chatId, messageId, text: chunk.text }));
 * }
 * await appender.close(); // every pushed event is acknowledged by the streams tier
 * ```
 *
 * Exactly once: every append carries the idempotent producer headers, `seq` + 1 per append. A
 * batch whose append fails with no usable answer (network error, 5xx, 408, 429) is retried with
 * the SAME seq and the SAME records — records pushed meanwhile never join a retried batch, so a
 * retry after a lost response is answered 204 (duplicate, counted as success) and nothing is
 * lost or doubled. A seq gap (409), a stale epoch (403, another writer took over) or any other
 * rejection is fatal: `flush`/`close` reject, `push` throws, `onError` is called once.
 */
import type { AppendResult, StreamsClient } from "./types.js";
import { StreamsError } from "./errors.js";

export interface GroupCommitRetryOptions {
  /** Attempts per batch, including the first. Default 10 (unlimited when `giveUpAfterMs` is set). */
  attempts?: number;
  /**
   * Retry one batch for this long after its first failure, however many attempts that takes
   * (a streams-tier outage budget). Records pushed meanwhile keep buffering and coalescing.
   * Default: unset (only `attempts` bounds the retries).
   */
  giveUpAfterMs?: number;
  /** First backoff delay; doubles per attempt. Default 50 ms. */
  baseDelayMs?: number;
  /** Backoff ceiling (a `Retry-After` is honoured up to this). Default 2000 ms. */
  maxDelayMs?: number;
}

/** Time as the appender sees it; tests pass a manual one so waits never depend on machine speed. */
export interface GroupCommitTimer {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

const realTimer: GroupCommitTimer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface GroupCommitAppenderOptions<T> {
  client: Pick<StreamsClient, "append">;
  stream: string;
  /** `Stream-Key` of every record, e.g. `chat:<id>`. */
  key: string;
  producerId: string;
  /** Producer epoch; a new epoch starts at seq 0 and fences off older ones. Default 0. */
  epoch?: number;
  /** Seq of the first append (continue a producer after a restart). Default 0. */
  startSeq?: number;
  /** An append is split when its JSON body would exceed this (a larger single record goes alone). Default 64 KiB. */
  maxBatchBytes?: number;
  /** Rewrites a buffered batch before it is sent, e.g. merges consecutive text deltas. Default: none. */
  coalesce?: (buffered: T[]) => T[];
  /**
   * Least time between the starts of two appends. While waiting, pushed records keep
   * coalescing, so a fast tier still sees at most 1000/minIntervalMs appends per second from
   * this producer. A function is asked before every append (a window that adapts to load:
   * generation/append-window.ts). Default 0 (send as soon as the previous append returns).
   */
  minIntervalMs?: number | (() => number);
  /** Called once with the fatal error. Default: none (the error still rejects flush/close). */
  onError?: (error: unknown) => void;
  retry?: GroupCommitRetryOptions;
  /** The clock behind `minIntervalMs` and retry backoff. Default: `performance.now()` and `setTimeout`. */
  timer?: GroupCommitTimer;
}

export interface GroupCommitAppender<T> {
  /** Buffers a record; never awaits. Throws after a fatal error or after `close()`. */
  push(record: T): void;
  /** Resolves when every record pushed so far is acknowledged; rejects on a fatal error. */
  flush(): Promise<void>;
  /** Stops accepting records and flushes. */
  close(): Promise<void>;
  /** Acknowledged append requests (one per seq; retries not counted). */
  readonly appends: number;
  /** Append attempts that failed and were retried. */
  readonly retries: number;
  /** The seq the next append will use. */
  readonly nextSeq: number;
  /** `nextOffset` of the last acknowledged append. */
  readonly lastOffset: string | null;
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createGroupCommitAppender<T>(options: GroupCommitAppenderOptions<T>): GroupCommitAppender<T> {
  const { client, stream, key, producerId, coalesce, onError } = options;
  const epoch = options.epoch ?? 0;
  const maxBatchBytes = options.maxBatchBytes ?? 64 * 1024;
  const giveUpAfterMs = options.retry?.giveUpAfterMs;
  const attempts = Math.max(1, options.retry?.attempts ?? (giveUpAfterMs === undefined ? 10 : Number.POSITIVE_INFINITY));
  const baseDelayMs = options.retry?.baseDelayMs ?? 50;
  const maxDelayMs = options.retry?.maxDelayMs ?? 2_000;
  const interval = options.minIntervalMs ?? 0;
  const minIntervalMs = typeof interval === "function" ? interval : () => interval;
  const timer = options.timer ?? realTimer;
  if (!producerId) throw new TypeError("producerId is required");
  if (!(maxBatchBytes > 2)) throw new RangeError("maxBatchBytes must be > 2");

  let seq = options.startSeq ?? 0;
  let buffer: T[] = [];
  let pushed = 0; // records pushed
  let acked = 0; // pushed records whose batch is acknowledged
  let appends = 0;
  let retries = 0;
  let lastOffset: string | null = null;
  let pumping = false;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let closed = false;
  let failure: { error: unknown } | null = null;
  const waiters: Waiter[] = [];

  function settleWaiters(): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (failure) w.reject(failure.error);
      else if (acked >= w.target) w.resolve();
      else continue;
      waiters.splice(i, 1);
    }
  }

  function fail(error: unknown): void {
    if (failure) return;
    failure = { error };
    buffer = [];
    settleWaiters();
    try {
      onError?.(error);
    } catch {
      // a throwing observer must not break the appender's state
    }
  }

  async function sendWithRetry(records: unknown[]): Promise<AppendResult> {
    let firstFailureAt: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.append(stream, records, { key, producer: { id: producerId, epoch, seq } });
      } catch (error) {
        const retryable = error instanceof StreamsError && error.retryable;
        firstFailureAt ??= timer.now();
        const outOfTime = giveUpAfterMs !== undefined && timer.now() - firstFailureAt >= giveUpAfterMs;
        if (!retryable || attempt >= attempts || outOfTime) throw error;
        retries++;
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.min(maxDelayMs, Math.max(backoff, error.retryAfterMs ?? 0));
        await timer.sleep(delay);
      }
    }
  }

  async function pump(): Promise<void> {
    try {
      while (buffer.length > 0 && !failure) {
        const wait = lastSentAt + minIntervalMs() - timer.now();
        if (wait > 0) await timer.sleep(wait);
        lastSentAt = timer.now();
        const taken = buffer;
        buffer = [];
        const batch: unknown[] = coalesce ? coalesce(taken) : taken;
        for (const chunk of splitBySize(batch, maxBatchBytes)) {
          const result = await sendWithRetry(chunk);
          appends++;
          seq++;
          if (result.nextOffset !== null) lastOffset = result.nextOffset;
        }
        acked += taken.length;
        settleWaiters();
      }
    } catch (error) {
      fail(error);
    } finally {
      pumping = false;
    }
  }

  function schedule(): void {
    if (pumping || failure) return;
    pumping = true;
    // A microtask, so records pushed in the same synchronous burst travel together.
    queueMicrotask(() => void pump());
  }

  function flush(): Promise<void> {
    if (failure) return Promise.reject(failure.error);
    if (acked >= pushed) return Promise.resolve();
    return new Promise((resolve, reject) => waiters.push({ target: pushed, resolve, reject }));
  }

  return {
    push(record: T) {
      if (failure) throw failure.error;
      if (closed) throw new Error("group-commit appender is closed");
      buffer.push(record);
      pushed++;
      schedule();
    },
    flush,
    close() {
      closed = true;
      return flush();
    },
    get appends() {
      return appends;
    },
    get retries() {
      return retries;
    },
    get nextSeq() {
      return seq;
    },
    get lastOffset() {
      return lastOffset;
    },
  };
}

/**
 * Packs records into consecutive chunks whose JSON array body stays within `maxBytes`
 * (UTF-8). Order is kept; a record larger than `maxBytes` travels alone.
 */
export function splitBySize(records: readonly unknown[], maxBytes: number): unknown[][] {
  // One record travels alone whatever its size (a coalesced answer's usual batch): no need to measure it.
  if (records.length === 1) return [records as unknown[]];
  const chunks: unknown[][] = [];
  let current: unknown[] = [];
  let size = 2; // "[" + "]"
  for (const record of records) {
    const json = JSON.stringify(record);
    if (json === undefined) throw new TypeError("a record is not JSON-serialisable");
    const bytes = Buffer.byteLength(json) + (current.length > 0 ? 1 : 0); // + ","
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 2;
    }
    size += current.length > 0 ? bytes : Buffer.byteLength(json);
    current.push(record);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
