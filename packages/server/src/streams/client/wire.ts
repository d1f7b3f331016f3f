/**
 * Wire names of the streams tier (Durable Streams HTTP protocol as served by
 * `@prisma/streams-local` and `@prisma/streams-server`), written once.
 *
 * These are the names our server uses when it talks to the streams tier. They are not the names
 * of the Open Chat tail (those live in `@open-chat/shared`), although several coincide because the
 * tail follows the same read protocol.
 */

/** Request and response headers of the streams tier (lower-case, as `Headers` reports them). */
export const STREAMS_HEADER = {
  authorization: "authorization",
  contentType: "content-type",
  /** Routing key of the appended records; the key a read filters on with `?key=`. */
  streamKey: "stream-key",
  streamNextOffset: "stream-next-offset",
  streamUpToDate: "stream-up-to-date",
  streamCursor: "stream-cursor",
  producerId: "producer-id",
  producerEpoch: "producer-epoch",
  producerSeq: "producer-seq",
  /** On 409: the sequence number the server expected from this producer. */
  producerExpectedSeq: "producer-expected-seq",
  /** On 409: the sequence number the server received. */
  producerReceivedSeq: "producer-received-seq",
  retryAfter: "retry-after",
  /** On create: seconds until the tier deletes the stream. */
  streamTtl: "stream-ttl",
} as const;

/** Query parameters of a streams-tier read. */
export const STREAMS_QUERY = {
  offset: "offset",
  key: "key",
  live: "live",
  timeout: "timeout",
  cursor: "cursor",
} as const;

/** A live SSE read (`live=sse`): each batch is a `data` event (a JSON array) then a `control` event. */
export const STREAMS_SSE = {
  live: "sse",
  dataEvent: "data",
  controlEvent: "control",
} as const;

/** Fields of a `control` event's JSON. */
export interface StreamsSseControl {
  streamNextOffset?: string;
  upToDate?: boolean;
  streamCursor?: string;
  streamClosed?: boolean;
}

/** Path prefix of one stream: `PUT|POST|GET /v1/stream/{name}`. */
export const STREAMS_PATH_PREFIX = "/v1/stream/";

/** Liveness endpoint (behind auth on streams-server with `--auth-strategy api-key`). */
export const STREAMS_HEALTH_PATH = "/health";

/** Content type of every stream we create: JSON mode, one JSON value per record. */
export const STREAMS_JSON = "application/json";

/** Offset meaning "before the first record". */
export const STREAMS_START_OFFSET = "-1";

/** The streams tier answers 408 when one request runs longer than this; long-polls stay below. */
export const STREAMS_MAX_LONG_POLL_MS = 5_000;
