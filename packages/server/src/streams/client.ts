/**
 * A small typed HTTP client for the streams tier (`@prisma/streams-local` embedded, or
 * `@prisma/streams-server` as its own service). Our server is its only user: the browser never
 * talks to the streams tier.
 *
 * ```ts
 * const streams = createStreamsClient({ baseUrl: "http://127.0.0.1:8080", apiKey });
 * await streams.ensureStream("user:u1");
 * const { nextOffset } = await streams.append("user:u1", [event], { key: "chat:c1" });
 * const page = await streams.read("user:u1", { offset: "-1", key: "chat:c1" });
 * const next = await streams.read("user:u1", { offset: page.nextOffset, key: "chat:c1", live: "long-poll", timeoutMs: 4000 });
 * ```
 *
 * Every failure is a {@link StreamsError}; aborting through `signal` rejects with the signal's
 * reason (an `AbortError` by default) and cancels the upstream request.
 * No upstream response header (notably the catch-up reads' `cache-control: immutable`) is ever
 * returned: results are plain values.
 */
import { StreamsError, type StreamsErrorCode } from "./errors.js";
import {
  STREAMS_HEADER,
  STREAMS_HEALTH_PATH,
  STREAMS_JSON,
  STREAMS_MAX_LONG_POLL_MS,
  STREAMS_PATH_PREFIX,
  STREAMS_QUERY,
  STREAMS_START_OFFSET,
} from "./wire.js";

export interface StreamsClientOptions {
  /** Origin of the streams tier, e.g. `http://127.0.0.1:8080` (a trailing `/` is ignored). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` (streams-server `--auth-strategy api-key`). Default: none. */
  apiKey?: string;
  /** Default: `globalThis.fetch`. */
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
  /** Creates the JSON stream if missing (PUT). Resolves `{ created }` (201 vs 200). */
  ensureStream(name: string, options?: { signal?: AbortSignal }): Promise<{ created: boolean }>;
  /**
   * Appends `records` in one request, each as its own record (POST flattens the JSON array one
   * level, so a record that is itself an array stays one record). `records` must not be empty.
   */
  append(name: string, records: readonly unknown[], options?: AppendOptions): Promise<AppendResult>;
  read(name: string, options?: ReadOptions): Promise<ReadResult>;
  /** `GET /health` (authenticated): resolves when the streams tier answers 200. */
  ping(options?: { signal?: AbortSignal }): Promise<void>;
}

const MAX_ERROR_BODY_CHARS = 2_048;

export function createStreamsClient(options: StreamsClientOptions): StreamsClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError(`streams baseUrl must be http(s): ${options.baseUrl}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  const auth = options.apiKey ? `Bearer ${options.apiKey}` : undefined;

  const pathOf = (name: string) => STREAMS_PATH_PREFIX + encodeURIComponent(name);

  async function send(
    method: string,
    path: string,
    init: { query?: URLSearchParams; headers?: Record<string, string>; body?: string; signal?: AbortSignal | undefined },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (auth) headers[STREAMS_HEADER.authorization] = auth;
    const query = init.query && init.query.size > 0 ? `?${init.query}` : "";
    try {
      return await doFetch(baseUrl + path + query, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (cause) {
      throw translateThrown(cause, method, path, init.signal);
    }
  }

  return {
    baseUrl,

    async ping(opts = {}) {
      const res = await send("GET", STREAMS_HEALTH_PATH, { signal: opts.signal });
      if (res.status !== 200) throw await errorFromResponse("GET", STREAMS_HEALTH_PATH, res);
      await drain(res);
    },

    async ensureStream(name, opts = {}) {
      const path = pathOf(name);
      const res = await send("PUT", path, { headers: { [STREAMS_HEADER.contentType]: STREAMS_JSON }, signal: opts.signal });
      if (res.status !== 200 && res.status !== 201) throw await errorFromResponse("PUT", path, res);
      await drain(res);
      return { created: res.status === 201 };
    },

    async append(name, records, opts = {}) {
      if (!Array.isArray(records) || records.length === 0) {
        throw new RangeError("append needs at least one record (the streams tier rejects an empty array)");
      }
      const path = pathOf(name);
      const headers: Record<string, string> = { [STREAMS_HEADER.contentType]: STREAMS_JSON };
      if (opts.key !== undefined) headers[STREAMS_HEADER.streamKey] = opts.key;
      const producer = opts.producer;
      if (producer) {
        if (!Number.isSafeInteger(producer.epoch) || producer.epoch < 0) throw new RangeError("producer epoch must be an integer >= 0");
        if (!Number.isSafeInteger(producer.seq) || producer.seq < 0) throw new RangeError("producer seq must be an integer >= 0");
        headers[STREAMS_HEADER.producerId] = producer.id;
        headers[STREAMS_HEADER.producerEpoch] = String(producer.epoch);
        headers[STREAMS_HEADER.producerSeq] = String(producer.seq);
      }
      const res = await send("POST", path, { headers, body: JSON.stringify(records), signal: opts.signal });
      if (res.status < 200 || res.status > 299) throw await errorFromResponse("POST", path, res);
      await drain(res);
      return {
        nextOffset: res.headers.get(STREAMS_HEADER.streamNextOffset),
        // Without producer headers the streams tier answers every successful append with 204.
        duplicate: res.status === 204 && producer !== undefined,
      };
    },

    async read(name, opts = {}) {
      const path = pathOf(name);
      const offset = opts.offset ?? STREAMS_START_OFFSET;
      const query = new URLSearchParams({ [STREAMS_QUERY.offset]: offset });
      if (opts.key !== undefined) query.set(STREAMS_QUERY.key, opts.key);
      const live = opts.live === "long-poll";
      if (live) {
        query.set(STREAMS_QUERY.live, "long-poll");
        if (opts.timeoutMs !== undefined) {
          if (!(opts.timeoutMs >= 0 && opts.timeoutMs <= STREAMS_MAX_LONG_POLL_MS)) {
            throw new RangeError(`timeoutMs must be between 0 and ${STREAMS_MAX_LONG_POLL_MS}`);
          }
          query.set(STREAMS_QUERY.timeout, String(Math.floor(opts.timeoutMs)));
        }
        if (opts.cursor !== undefined) query.set(STREAMS_QUERY.cursor, opts.cursor);
      }
      const res = await send("GET", path, { query, signal: opts.signal });
      const cursor = res.headers.get(STREAMS_HEADER.streamCursor) ?? undefined;
      const withCursor = (r: ReadResult): ReadResult => (cursor !== undefined ? { ...r, cursor } : r);

      // Idle long-poll: 204 with headers and an EMPTY body (never JSON.parse it). A 408 means the
      // wait outlived the streams tier's request deadline: the same "nothing new" answer.
      if (live && (res.status === 204 || res.status === 408)) {
        await drain(res);
        return withCursor({
          records: [],
          nextOffset: res.headers.get(STREAMS_HEADER.streamNextOffset) ?? offset,
          upToDate: true,
        });
      }
      if (res.status !== 200) throw await errorFromResponse("GET", path, res);

      const nextOffset = res.headers.get(STREAMS_HEADER.streamNextOffset);
      let text: string;
      try {
        text = await res.text();
      } catch (cause) {
        throw translateThrown(cause, "GET", path, opts.signal);
      }
      if (!nextOffset) throw badResponse("GET", path, res.status, "missing stream-next-offset", text);
      let records: unknown;
      try {
        records = JSON.parse(text);
      } catch (cause) {
        throw badResponse("GET", path, res.status, "body is not JSON", text, cause);
      }
      if (!Array.isArray(records)) throw badResponse("GET", path, res.status, "body is not a JSON array", text);
      return withCursor({
        records,
        nextOffset,
        upToDate: res.headers.get(STREAMS_HEADER.streamUpToDate) === "true",
      });
    },
  };
}

/** Network failure → `streams_unavailable`; the caller's abort → the signal's reason. */
function translateThrown(cause: unknown, method: string, path: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason ?? cause;
  if (cause instanceof StreamsError) return cause;
  const detail = cause instanceof Error ? describeCause(cause) : String(cause);
  return new StreamsError({ status: 0, code: "streams_unavailable", method, path, cause, detail });
}

function describeCause(error: Error): string {
  const inner = (error as { cause?: unknown }).cause;
  if (inner instanceof Error) return `${error.message}: ${(inner as { code?: string }).code ?? inner.message}`;
  return error.message;
}

async function errorFromResponse(method: string, path: string, res: Response): Promise<StreamsError> {
  let body = "";
  try {
    body = (await res.text()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // the body is informative only
  }
  const h = res.headers;
  const int = (name: string) => {
    const raw = h.get(name);
    const n = raw === null ? NaN : Number(raw);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const base = { status: res.status, method, path, ...(body ? { body } : {}) };

  if (res.status === 404) return new StreamsError({ ...base, code: "stream_not_found" });
  const expectedSeq = int(STREAMS_HEADER.producerExpectedSeq);
  if (res.status === 409 && expectedSeq !== undefined) {
    const receivedSeq = int(STREAMS_HEADER.producerReceivedSeq);
    return new StreamsError({
      ...base,
      code: "producer_seq_gap",
      expectedSeq,
      ...(receivedSeq !== undefined ? { receivedSeq } : {}),
      detail: `expected seq ${expectedSeq}${receivedSeq !== undefined ? `, got ${receivedSeq}` : ""}`,
    });
  }
  const currentEpoch = int(STREAMS_HEADER.producerEpoch);
  if (res.status === 403 && currentEpoch !== undefined) {
    return new StreamsError({ ...base, code: "producer_stale_epoch", currentEpoch, detail: `current epoch ${currentEpoch}` });
  }
  let code: StreamsErrorCode = "streams_bad_response";
  if (res.status >= 500 || res.status === 408 || res.status === 429) code = "streams_unavailable";
  const retryAfterMs = parseRetryAfter(h.get(STREAMS_HEADER.retryAfter));
  return new StreamsError({
    ...base,
    code,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(body ? { detail: body.slice(0, 200) } : {}),
  });
}

function badResponse(method: string, path: string, status: number, detail: string, body: string, cause?: unknown) {
  return new StreamsError({
    status,
    code: "streams_bad_response",
    method,
    path,
    detail,
    body: body.slice(0, MAX_ERROR_BODY_CHARS),
    ...(cause !== undefined ? { cause } : {}),
  });
}

function parseRetryAfter(raw: string | null): number | undefined {
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Consumes a (small or empty) body so the connection goes back to the pool. */
async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  try {
    await res.arrayBuffer();
  } catch {
    // nothing useful was in it
  }
}
