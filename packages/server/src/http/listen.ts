/**
 * Serves a fetch handler over Node's HTTP server. `close()` also ends open connections:
 * SSE tails are long-lived and would otherwise keep the server from closing.
 *
 * Requests Node refuses before the app sees them (headers or URL over MAX_HEADER_BYTES: 431; a
 * malformed request: 400) are answered in the API's error shape and the connection is closed,
 * so a client gets `{ error: { code, message } }` and never waits on a half-read request.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo, Socket } from "node:net";
import { STATUS_CODES, type Server } from "node:http";
import type { ErrorCode } from "@open-chat/shared";
import { errorBody } from "./api-error.js";

/** Request line plus headers, in bytes (Node's own default, stated here so it is ours). */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Told of every request as it arrives, before the app sees it. */
  onRequest?: () => void;
}

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: ListenOptions): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: options.host, port: options.port, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }, (info: AddressInfo) => {
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
    server.on("clientError", answerClientError);
    if (options.onRequest) server.prependListener("request", options.onRequest);
    server.once("error", reject);
  });
}

/** What Node's parser refused, as status and API error code (Node's own choice of status). */
const REFUSALS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: "header_too_large", message: `request line and headers exceed ${MAX_HEADER_BYTES} bytes` },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: "payload_too_large", message: "chunk extensions too large" },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: "invalid_request", message: "the request did not arrive in time" },
};

/**
 * Node's `clientError`: it would answer 400/431 with no body; this answers the same status in
 * the API's shape and closes the connection (what was read of the request cannot be trusted).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // Like Node: answer only where no answer to an earlier request on this socket has begun.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const refusal = REFUSALS[error.code ?? ""] ?? { status: 400, code: "invalid_request" as const, message: "malformed HTTP request" };
  const body = JSON.stringify(errorBody(refusal.code, refusal.message));
  // A FIN after the answer; the socket is gone a moment later even if the client never closes.
  setTimeout(() => socket.destroy(), 1_000).unref();
  socket.end(
    [
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Cache-Control: no-store",
      "X-Content-Type-Options: nosniff",
      "Connection: close",
      "",
      body,
    ].join("\r\n"),
  );
}
