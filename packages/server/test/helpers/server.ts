/**
 * A real server for integration tests: a fresh Postgres database, the given streams tier, our
 * model server over real HTTP, the app served on a loopback port. No mocks of our components.
 */
import { createApp } from "../../src/app.js";
import { createAuth } from "../../src/auth/auth.js";
import { createDb } from "../../src/db/client.js";
import { createModelClient } from "../../src/generation/model-client.js";
import { listen } from "../../src/http/listen.js";
import { startModelServer, type ModelServer } from "../../src/model-server/index.js";
import type { Services } from "../../src/services.js";
import type { ServerSettings } from "../../src/settings.js";
import { createStreamsClient } from "../../src/streams/client.js";
import { createTestDatabase } from "./database.js";

export interface TestServer {
  url: string;
  services: Services;
  model: ModelServer;
  close(): Promise<void>;
}

export async function startTestServer(options: {
  streamsUrl: string;
  streamsApiKey?: string;
  settings?: Partial<ServerSettings>;
  fetch?: typeof fetch;
}): Promise<TestServer> {
  const database = await createTestDatabase();
  const db = createDb({ connectionString: database.url });
  const model = await startModelServer();
  const auth = createAuth({ prisma: db.prisma, secret: "test-secret-test-secret-test-secret", baseURL: "http://127.0.0.1" });
  const { app, services } = createApp({
    prisma: db.prisma,
    auth,
    streams: createStreamsClient({ baseUrl: options.streamsUrl, apiKey: options.streamsApiKey, fetch: options.fetch }),
    models: createModelClient({ baseURL: model.url, apiKey: "test", defaultModel: "test-model" }),
    settings: { tail: { heartbeatMs: 15_000, retryMs: 500, longPollMs: 1_000 }, ...options.settings },
  });
  const server = await listen(app.fetch, { host: "127.0.0.1", port: 0 });
  return {
    url: server.url,
    services,
    model,
    async close() {
      await services.generations.shutdown(5_000);
      await server.close();
      await model.close();
      await db.close();
      await database.drop();
    },
  };
}
