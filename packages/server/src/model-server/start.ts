/**
 * Binds the app to a real socket. Real HTTP matters: the point of this server is that the
 * production path (the `openai` SDK over `fetch`) runs unmodified against it.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createModelApp } from "./app.js";
import { RequestLog } from "./request-log.js";
import type { ModelServer, ModelServerOptions, ReplyScript } from "./types.js";

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const { host = "127.0.0.1", port = 0, models = ["open-chat-mock"] } = options;
  const log = new RequestLog();
  const queue: ReplyScript[] = [];
  const app = createModelApp({ options, models, log, queue });
  // A test helper must not swap the process-wide Request/Response globals behind the test's back.
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));

  server.listen(port, host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${address.port}/v1`,
    requests: log.requests,
    enqueue: (script) => void queue.push(script),
    waitForRequests: (n) => log.waitFor(n),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        log.close();
        server.close((error) => (error ? reject(error) : resolve()));
        // Stalled streams and keep-alive sockets would hold close() open forever; cut them.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
