/**
 * The worker thread of `startEmbeddedPostgres({ thread: true })`: PGlite and its socket server
 * (embedded-postgres.ts), started and stopped by the host on the main thread (threads/host.ts).
 * Built as its own entry (tsup.config.ts): the host loads it by file.
 */
import { serveOnThisThread } from "../threads/worker.js";
import { servePglite, type PgliteServeOptions } from "./embedded-postgres.js";

serveOnThisThread<PgliteServeOptions, string>(servePglite);
