/**
 * Serves a fetch handler over Node's HTTP server. `close()` also ends open connections:
 * SSE tails are long-lived and would otherwise keep the server from closing.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: { host: string; port: number }): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    server.once("error", reject);
  });
}
