/**
 * The worker thread of `startEmbeddedStreams({ thread: true })`: streams-local (embedded.ts),
 * started and stopped by the host on the main thread (threads/host.ts). Built as its own entry
 * (tsup.config.ts): the host loads it by file.
 */
import { serveOnThisThread } from "../../threads/worker.js";
import { startEmbeddedStreams, type EmbeddedStreamsOnThread, type EmbeddedStreamsOptions } from "./embedded.js";

serveOnThisThread<EmbeddedStreamsOptions, EmbeddedStreamsOnThread>(async (options) => {
  const streams = await startEmbeddedStreams(options);
  return { value: { url: streams.url, sqlitePath: streams.sqlitePath }, stop: () => streams.close() };
});
