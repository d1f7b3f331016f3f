/**
 * The streams client's HTTP layer: one request in, status + headers + body out. Two
 * implementations: undici's connection pool (pool-transport.ts, the default: less than half the
 * CPU of `fetch` per request, which matters at one append per batch of tokens), and `fetch`
 * (fetch-transport.ts, when a `fetch` is passed in).
 */

export interface TransportRequest {
  method: string;
  /** Path and query, e.g. `/v1/stream/u1?offset=-1`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  status: number;
  /** A response header (case-insensitive), or null. */
  header(name: string): string | null;
  /** The whole body as UTF-8 text. Rejects when the connection fails or the signal aborts. */
  text(): Promise<string>;
  /** Consumes whatever body there is, so the connection goes back to the pool. Never rejects. */
  drain(): Promise<void>;
  /**
   * The body as UTF-8 text, chunk by chunk as it arrives (an SSE read). Throws when the
   * connection fails or is cut off before the body's end, or the signal aborts.
   */
  chunks(): AsyncIterable<string>;
}

/** Sends one request; rejects only when no response arrived (network failure or abort). */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;
