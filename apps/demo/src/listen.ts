/** Serves the demo site's fetch handler on a loopback port. */
import { serve } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: { host: string; port: number }) {
  return new Promise<{ url: string; close(): Promise<void> }>((resolve, reject) => {
    const server = serve({ fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      resolve({
        url: `http://${info.address}:${info.port}`,
        close: () => new Promise<void>((done) => (server as Server).close(() => done())),
      });
    });
    server.once("error", reject);
  });
}
