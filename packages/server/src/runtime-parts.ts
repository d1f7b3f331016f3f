/**
 * What `startServer` (runtime.ts) composes once the embedded parts run: the app, auth, the
 * database client and the rest. Loaded by one dynamic import so that their module loading
 * (most of a start's CPU) overlaps the embedded PGlite's and streams-local's own start.
 */
export { createApp } from "./app.js";
export { createAuth } from "./auth/auth.js";
export { loadOrCreateSecret } from "./auth/secret.js";
export { encryptionKeyOf } from "./data-dir.js";
export { createDb, warmQueryCompiler } from "./db/client.js";
export { poolSql } from "./db/sql.js";
export { createModelClient } from "./generation/model-client.js";
export { listen } from "./http/listen.js";
export { createLocalStopBus, createPgStopBus } from "./leases/stop-bus.js";
export { createMemoryCounters, createPostgresCounters } from "./limits/counters.js";
export { processTailBudget } from "./limits/fd-budget.js";
export { createStreamsClient } from "./streams/client/http-client.js";
export { withWakeNotices } from "./streams/wake/wake-notices.js";
export { startWakeListener } from "./streams/wake/wake-listener.js";
