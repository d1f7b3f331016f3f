/**
 * The streams tier: where every event of every chat is appended before anyone sees it.
 *
 * - {@link createStreamsClient}: typed HTTP client (ensure / append / read, long-poll).
 * - {@link createGroupCommitAppender}: one append in flight, everything else batched, exactly once.
 * - {@link startEmbeddedStreams}: `@prisma/streams-local` inside this process (dev, demo, tests).
 * - {@link startStreamsServerProcess} / {@link serveStreamsFromEnv}: `@prisma/streams-server` under Bun.
 */
export {
  createStreamsClient,
  type AppendOptions,
  type AppendResult,
  type ProducerHeaders,
  type ReadOptions,
  type ReadResult,
  type StreamsClient,
  type StreamsClientOptions,
} from "./client.js";
export { StreamsError, isStreamsError, type StreamsErrorCode, type StreamsErrorInit } from "./errors.js";
export {
  createGroupCommitAppender,
  splitBySize,
  type GroupCommitAppender,
  type GroupCommitAppenderOptions,
  type GroupCommitRetryOptions,
} from "./group-commit.js";
export { startEmbeddedStreams, type EmbeddedStreams, type EmbeddedStreamsOptions } from "./embedded.js";
export {
  resolveBunExecutable,
  resolveStreamsServerEntry,
  startStreamsServerProcess,
  STREAMS_SERVER_DEFAULT_ENV,
  type StreamsObjectStore,
  type StreamsServerExit,
  type StreamsServerProcess,
  type StreamsServerProcessOptions,
} from "./server-process.js";
export { serveStreamsFromEnv, streamsOptionsFromEnv, type ServeStreamsOptions } from "./serve.js";
export { STREAMS_HEADER, STREAMS_QUERY, STREAMS_START_OFFSET, STREAMS_MAX_LONG_POLL_MS } from "./wire.js";
