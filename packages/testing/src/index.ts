/**
 * @open-chat/testing — what every package's tests share (private, never published, never a
 * dependency of production code): a real server on a loopback port, throwaway Postgres
 * databases, the catch-up log reader, guest sign-in, headless Chromium, scripted model replies.
 *
 * @example
 * import { readLog, signInAsGuest, startTestServer } from "@open-chat/testing";
 *
 * const server = await startTestServer();
 * const token = await signInAsGuest(server.url);
 * // ... create a chat and send through the SDK or plain fetch ...
 * await server.idle();
 * const { state } = await readLog(server.url, token, chatId);
 * await server.close();
 */
export { startTestServer, TEST_LIMITS, TEST_TAIL_SETTINGS, type TestServer, type TestServerOptions } from "./server.js";
export { createTestDatabase, adminQuery, databaseUrl, TEST_DATABASE_ADMIN_URL, type TestDatabase, type CreateTestDatabaseOptions } from "./database.js";
export { readLog, type ChatLog } from "./log.js";
export { signInAsGuest, siteHeaders, type GuestSignInOptions } from "./guest.js";
export { createTestTenant, type TestTenant } from "./tenant.js";
export { CHROMIUM_FLAGS, chromiumPath, launchChromium, chromiumLaunchOptions } from "./chromium.js";
export { lastUserText, markdownReply } from "./model-replies.js";
export { scriptedMarkdown } from "./scripted.js";
export { makeTempDir, removeDir } from "./temp-dir.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export { seededRandom } from "./random.js";
export { startModelGate, type ModelGate } from "./model-gate.js";
