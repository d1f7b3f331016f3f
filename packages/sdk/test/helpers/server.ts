/**
 * A real Open Chat server for integration tests: `startServer` from @open-chat/server with
 * everything embedded (PGlite, streams-local, the scripted model server) on a loopback port,
 * in a temporary data folder that `close()` removes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv, startServer, type RunningServer } from "@open-chat/server";
import { HEADER, START_OFFSET, materialize, type ChatState } from "@open-chat/shared";

export interface TestServer {
  url: string;
  server: RunningServer;
  /** Resolves when every running answer has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-sdk-"));
  const server = await startServer(configFromEnv({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ...env }), () => {});
  return {
    url: server.url,
    server,
    idle: () => server.services.generations.idle(),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The chat's whole log read with catch-up requests (no SSE), and its materialised state. */
export async function readLog(baseUrl: string, token: string, chatId: string): Promise<{ events: unknown[]; nextOffset: string; state: ChatState }> {
  const events: unknown[] = [];
  let offset: string = START_OFFSET;
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/chats/${chatId}/events?offset=${offset}`, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`readLog: ${response.status} ${await response.text()}`);
    events.push(...((await response.json()) as unknown[]));
    offset = response.headers.get(HEADER.streamNextOffset)!;
    if (response.headers.get(HEADER.streamUpToDate) === "true") return { events, nextOffset: offset, state: materialize(events) };
  }
}
