/**
 * The streams client's types: its options, what an append and a read take and return, and
 * the `StreamsClient` interface the rest of the server codes against (tests and the generator
 * accept any object of this shape).
 */
export interface StreamsClientOptions {
  /** Origin of the streams tier, e.g. `http://127.0.0.1:8080` (a trailing `/` is ignored). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (streams-server `--auth-strategy api-key`). Default: none. */
  apiKey?: string;
  /**
   * Send requests through this `fetch` instead. Default: none — undici's connection pool
   * (pool-transport.ts), which costs less than half of `fetch`'s CPU per request.
   */
  fetch?: typeof globalThis.fetch;
}

/** Idempotent producer headers: one `seq` per append, starting at 0 for a new id or epoch. */
export interface ProducerHeaders {
  id: string;
  epoch: number;
  seq: number;
}

export interface AppendOptions {
  /** Routing key (`Stream-Key`) of every record in this append, e.g. `chat:<id>`. */
  key?: string;
  producer?: ProducerHeaders;
  signal?: AbortSignal;
}

export interface AppendResult {
  /**
   * The offset after the appended records. On a duplicate the streams tier reports its current
   * tail instead (it does not remember the original append's offset): still at or after the
   * records. Null when the streams tier sent no offset.
   */
  nextOffset: string | null;
  /** True when the idempotent producer had already appended this `seq` (HTTP 204): a success. */
  duplicate: boolean;
}

export interface ReadOptions {
  /** `"-1"` (start), `"now"` (tail) or an opaque offset from a previous result. Default `"-1"`. */
  offset?: string;
  /** Only records appended with this `Stream-Key`. Default: all records. */
  key?: string;
  /** Wait for new records when there are none. Default: catch-up read (no waiting). */
  live?: "long-poll";
  /** Long-poll wait, at most 5000 ms. Default: the streams tier's own (3000 ms). */
  timeoutMs?: number;
  /** `cursor` from the previous long-poll result (cache-busting echo, protocol section 5.8). */
  cursor?: string;
  signal?: AbortSignal;
}

export interface LiveReadOptions {
  /** `"-1"`, `"now"` or an offset from a previous result. Default `"-1"`. */
  offset?: string;
  /** An idle stream gets an empty, up-to-date page this often (keeps the connection in use). Default the tier's (30 s). */
  keepAliveMs?: number;
  /** Ends the read (the iteration returns, the connection is closed). */
  signal?: AbortSignal;
}

export interface ReadResult {
  /** Records strictly after `offset`, in log order (at most 1000 / 1 MiB per read). */
  records: unknown[];
  /** Offset to read from next. */
  nextOffset: string;
  /** True when the read reached the tail of the stream. */
  upToDate: boolean;
  cursor?: string;
}

export interface StreamsClient {
  readonly baseUrl: string;
  /**
   * Creates the JSON stream if missing (PUT). Resolves `{ created }` (201 vs 200). With
   * `ttlSeconds` the tier deletes the stream that long after its creation (`Stream-TTL`); asking
   * again with the same TTL is a no-op, with another one a 409.
   */
  ensureStream(name: string, options?: { signal?: AbortSignal; ttlSeconds?: number }): Promise<{ created: boolean }>;
  /**
   * Appends `records` in one request, each as its own record (POST flattens the JSON array one
   * level, so a record that is itself an array stays one record). `records` must not be empty.
   */
  append(name: string, records: readonly unknown[], options?: AppendOptions): Promise<AppendResult>;
  read(name: string, options?: ReadOptions): Promise<ReadResult>;
  /**
   * Every record after `offset`, live, over ONE SSE response (`live=sse`): page by page as the
   * tier stores them (each exactly what a catch-up read from the previous page's offset would
   * return), nothing to send per page. Not filtered by key. Returns when the signal aborts or
   * the tier ends the response; throws a `StreamsError` when the read is refused or the
   * connection fails (404: the stream does not exist).
   */
  live(name: string, options?: LiveReadOptions): AsyncIterable<ReadResult>;
  /** Deletes the stream and all its records (DELETE). Resolves `{ deleted: false }` when it did not exist. */
  deleteStream(name: string, options?: { signal?: AbortSignal }): Promise<{ deleted: boolean }>;
  /** `GET /health` (authenticated): resolves when the streams tier answers 200. */
  ping(options?: { signal?: AbortSignal }): Promise<void>;
}
