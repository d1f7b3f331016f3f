/**
 * @open-chat/server — the multi-tenant Open Chat server: Hono app, append-first generation
 * into per-user durable streams, authenticated resumable tail.
 *
 * @example
 * import { configFromEnv, startServer } from "@open-chat/server";
 * const server = await startServer(configFromEnv()); // everything embedded by default
 * console.log(server.url);
 */
export { createApp, type OpenChatApp } from "./app.js";
export { startServer, type RunningServer } from "./runtime.js";
export type { QuietHeap } from "./quiet-heap.js";
export { configFromEnv, type ServerConfig } from "./config.js";
export { DEFAULT_SETTINGS, type ServerSettings } from "./settings.js";
export type { AppDeps, Services } from "./services.js";
export { ApiError } from "./http/api-error.js";
export { listen, type Listening } from "./http/listen.js";
export { createModelClient, type ModelClient, type ModelChunk, type PromptMessage } from "./generation/model-client.js";
export { createStreamsClient } from "./streams/client/http-client.js";
export type { StreamsClient } from "./streams/client/types.js";
export { StreamsError } from "./streams/client/errors.js";
export { startEmbeddedStreams } from "./streams/tier/embedded.js";
export { startStreamsServerProcess } from "./streams/tier/server-process.js";
export { createGroupCommitAppender } from "./streams/client/group-commit.js";
export type { EndUser, AppEnv } from "./env.js";
