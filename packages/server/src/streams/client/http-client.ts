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
 * for await (const live of streams.live("user:u1", { offset: next.nextOffset, signal })) handle(live.records);
 * ```
 *
 * Every failure is a `StreamsError` (see failures.ts); aborting through `signal` rejects with
 * the signal's reason (an `AbortError` by default) and cancels the upstream request.
 * No upstream response header (notably the catch-up reads' `cache-control: immutable`) is ever
 * returned: results are plain values.
 */
import { badResponse, errorFromResponse, translateThrown } from "./failures.js";
import { fetchTransport } from "./fetch-transport.js";
import { poolTransport } from "./pool-transport.js";
import { SseProtocolError, ssePages } from "./sse-pages.js";
import type { TransportResponse } from "./transport.js";
import type { ReadResult, StreamsClient, StreamsClientOptions } from "./types.js";
import {
  STREAMS_HEADER,
  STREAMS_HEALTH_PATH,
  STREAMS_JSON,
  STREAMS_MAX_LONG_POLL_MS,
  STREAMS_PATH_PREFIX,
  STREAMS_QUERY,
  STREAMS_SSE,
  STREAMS_START_OFFSET,
} from "./wire.js";

export function createStreamsClient(options: StreamsClientOptions): StreamsClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError(`streams baseUrl must be http(s): ${options.baseUrl}`);
  const transport = options.fetch ? fetchTransport(baseUrl, options.fetch) : poolTransport(baseUrl);
  const auth = options.apiKey ? `Bearer ${options.apiKey}` : undefined;

  const pathOf = (name: string) => STREAMS_PATH_PREFIX + encodeURIComponent(name);

  async function send(
    method: string,
    path: string,
    init: { query?: URLSearchParams; headers?: Record<string, string>; body?: string; signal?: AbortSignal | undefined },
  ): Promise<TransportResponse> {
    const headers: Record<string, string> = { ...init.headers };
    if (auth) headers[STREAMS_HEADER.authorization] = auth;
    const query = init.query && init.query.size > 0 ? `?${init.query}` : "";
    try {
      return await transport({ method, path: path + query, headers, ...(init.body !== undefined ? { body: init.body } : {}), signal: init.signal });
    } catch (cause) {
      throw translateThrown(cause, method, path, init.signal);
    }
  }

  return {
    baseUrl,

    async ping(opts = {}) {
      const res = await send("GET", STREAMS_HEALTH_PATH, { signal: opts.signal });
      if (res.status !== 200) throw await errorFromResponse("GET", STREAMS_HEALTH_PATH, res);
      await res.drain();
    },

    async ensureStream(name, opts = {}) {
      const path = pathOf(name);
      const headers: Record<string, string> = { [STREAMS_HEADER.contentType]: STREAMS_JSON };
      if (opts.ttlSeconds !== undefined) {
        if (!Number.isSafeInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0) throw new RangeError("ttlSeconds must be an integer > 0");
        headers[STREAMS_HEADER.streamTtl] = String(opts.ttlSeconds);
      }
      const res = await send("PUT", path, { headers, signal: opts.signal });
      if (res.status !== 200 && res.status !== 201) throw await errorFromResponse("PUT", path, res);
      await res.drain();
      return { created: res.status === 201 };
    },

    async deleteStream(name, opts = {}) {
      const path = pathOf(name);
      const res = await send("DELETE", path, { signal: opts.signal });
      if (res.status === 404) {
        await res.drain();
        return { deleted: false };
      }
      if (res.status !== 200 && res.status !== 204) throw await errorFromResponse("DELETE", path, res);
      await res.drain();
      return { deleted: true };
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
      await res.drain();
      return {
        nextOffset: res.header(STREAMS_HEADER.streamNextOffset),
        // Without producer headers the streams tier answers every successful append with 204.
        duplicate: res.status === 204 && producer !== undefined,
      };
    },

    async *live(name, opts = {}) {
      const path = pathOf(name);
      const query = new URLSearchParams({ [STREAMS_QUERY.offset]: opts.offset ?? STREAMS_START_OFFSET, [STREAMS_QUERY.live]: STREAMS_SSE.live });
      if (opts.keepAliveMs !== undefined) query.set(STREAMS_QUERY.timeout, String(Math.max(1, Math.floor(opts.keepAliveMs))));
      const res = await send("GET", path, { query, signal: opts.signal });
      if (res.status !== 200) throw await errorFromResponse("GET", path, res);
      try {
        yield* ssePages(res.chunks());
      } catch (cause) {
        if (opts.signal?.aborted) return;
        if (cause instanceof SseProtocolError) throw badResponse("GET", path, res.status, cause.message, "", cause);
        throw translateThrown(cause, "GET", path, opts.signal);
      }
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
      const cursor = res.header(STREAMS_HEADER.streamCursor) ?? undefined;
      const withCursor = (r: ReadResult): ReadResult => (cursor !== undefined ? { ...r, cursor } : r);

      // Idle long-poll: 204 with headers and an EMPTY body (never JSON.parse it). A 408 means the
      // wait outlived the streams tier's request deadline: the same "nothing new" answer.
      if (live && (res.status === 204 || res.status === 408)) {
        await res.drain();
        return withCursor({
          records: [],
          nextOffset: res.header(STREAMS_HEADER.streamNextOffset) ?? offset,
          upToDate: true,
        });
      }
      if (res.status !== 200) throw await errorFromResponse("GET", path, res);

      const nextOffset = res.header(STREAMS_HEADER.streamNextOffset);
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
        upToDate: res.header(STREAMS_HEADER.streamUpToDate) === "true",
      });
    },
  };
}
