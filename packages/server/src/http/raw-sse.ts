/**
 * Long-lived SSE responses written straight to Node's `ServerResponse`.
 *
 * hono's `streamSSE` puts every write through a TransformStream, a WritableStream writer and
 * @hono/node-server's reader loop before it reaches the socket. For a live tail that is most
 * of what one frame costs (a data + control pair: ~38 µs through the helper vs ~9 µs written
 * directly), and a dozen web-stream objects held per open tail. Tails are the one response
 * that is both long-lived and numerous, so they skip that path:
 *
 * - the route answers with `respondWithSse(c, body)`: an empty 200 with the SSE headers, so every
 *   middleware sees (and adds its headers to) an ordinary response;
 * - `sseResponses()`, registered first (outermost), runs last: it writes the final status and
 *   headers — the security and CORS headers included — to the `ServerResponse` and starts the
 *   body there, answering hono with @hono/node-server's `RESPONSE_ALREADY_SENT`.
 *
 * Without a Node response (`app.request()` in tests, another runtime) it falls back to
 * `streamSSE` with the same body and the same frames.
 */
import { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { streamSSE } from "hono/streaming";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";

/** Where an SSE body writes: hono's `SSEStreamingApi` and the Node sink below both are one. */
export interface SseSink {
  /** Resolves once the text is handed to the connection (after a `drain` when it is full). */
  write(text: string): Promise<unknown>;
  /**
   * Writes a short frame sent again and again (the heartbeat) as `write` would; a sink may
   * write it more cheaply. Without it, callers `write` the frame.
   */
  heartbeat?(text: string): Promise<unknown>;
  /** Called once when the client goes away (or the response has ended). */
  onAbort(listener: () => void): void;
}

export type SseBody = (sink: SseSink) => Promise<void>;
/** Told about a body that failed; the client then gets an `event: error` frame and the end. */
export type SseFailure = (error: Error) => void;

/** The heartbeat frame as a whole HTTP/1.1 chunk (size line, data, CRLF), made again only if its text changes. */
let heartbeatChunk: { text: string; chunk: Buffer } | undefined;

function chunkOf(text: string): Buffer {
  if (heartbeatChunk?.text !== text) heartbeatChunk = { text, chunk: Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`) };
  return heartbeatChunk.chunk;
}

const SSE_HEADERS = { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" };

/** Bodies waiting for `sseResponses()` to start them, by the request's context. */
const pending = new WeakMap<Context, { body: SseBody; onError: SseFailure }>();

/** Answers `c` with an SSE stream produced by `body` (see the module comment). */
export function respondWithSse(c: Context, body: SseBody, onError: SseFailure): Response {
  // HEAD gets the headers alone (hono answers it from the GET route without a body); the body
  // runs against a closed sink so that it releases what it holds.
  if (c.req.method === "HEAD") {
    void body(closedSink).catch(() => undefined);
    return c.body(null, 200, SSE_HEADERS);
  }
  if (nodeResponseOf(c)) {
    pending.set(c, { body, onError });
    return c.body(null, 200, SSE_HEADERS);
  }
  const response = streamSSE(c, body, async (error) => onError(error));
  // hono's helper says no-cache (revalidate); a live tail must not be stored at all. Both the
  // response and the context's headers (merged into it by hono afterwards) are told.
  c.header("Cache-Control", "no-store");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

/** The outermost middleware that starts SSE bodies on Node's response once all headers are set. */
export function sseResponses(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const started = pending.get(c);
    if (!started) return;
    pending.delete(c);
    const out = nodeResponseOf(c);
    // Something after the route replaced its answer (an error): that answer goes out instead,
    // and the body still runs, against a sink already closed, so that it releases what it holds.
    if (!out || c.res.status !== 200 || c.res.headers.get("content-type") !== SSE_HEADERS["Content-Type"]) {
      void started.body(closedSink).catch(() => undefined);
      return;
    }
    out.writeHead(200, outgoingHeaders(c.res.headers));
    out.flushHeaders();
    // Cleared first: assigning over a response merges its headers into a copy, and the copy is
    // one @hono/node-server would write out again.
    c.res = undefined;
    c.res = RESPONSE_ALREADY_SENT;
    void run(out, started.body, started.onError);
  };
}

/**
 * Runs the body, then ends the response. A promise chain, not an async function: a live tail
 * is idle for hours, and a suspended frame per tail is memory for nothing.
 */
function run(out: ServerResponse, body: SseBody, onError: SseFailure): Promise<void> {
  const sink = new NodeSink(out);
  const ran = new Promise<void>((resolve) => resolve(body(sink)));
  return ran
    .catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      onError(failure);
      // As hono's helper does: one error frame (no line breaks in it), then the end.
      return sink.write(`event: error\ndata: ${failure.message.replace(/[\r\n]+/g, " ")}\n\n`);
    })
    .finally(() => {
      if (!out.writableEnded) out.end();
    }) as Promise<void>;
}

const written = Promise.resolve();

/** The sink over Node's response (a class: its methods are shared, not made per tail). */
class NodeSink implements SseSink {
  constructor(private readonly out: ServerResponse) {}

  write(text: string): Promise<unknown> {
    const out = this.out;
    // A response the client has left takes nothing; the body learns it from onAbort.
    if (out.writableEnded || out.destroyed) return written;
    if (out.write(text)) return written;
    return new Promise<void>((resolve) => {
      const done = () => {
        out.off("drain", done);
        out.off("close", done);
        resolve();
      };
      out.on("drain", done);
      out.on("close", done);
    });
  }

  /**
   * The heartbeat, written to the socket as one ready-made chunk when nothing of the response
   * is waiting: `write` goes through the response's chunked framing (size line, data and CRLF
   * corked, then flushed on the next tick), which allocated ~1.7 KB per beat — at 10,000 idle
   * tails, four fifths of what an idle process allocated. Only onto an empty socket buffer, so
   * the chunk never lands inside another one and never waits for a drain.
   */
  heartbeat(text: string): Promise<unknown> {
    const out = this.out;
    const socket = out.socket;
    // (The response's writableLength counts what its socket holds too.)
    if (!socket || !out.chunkedEncoding || out.writableLength > 0 || out.writableEnded || out.destroyed) return this.write(text);
    socket.write(chunkOf(text));
    return written;
  }

  onAbort(listener: () => void): void {
    if (this.out.destroyed) queueMicrotask(listener);
    else this.out.once("close", listener);
  }
}

/** A sink whose client is already gone: writes go nowhere, abort listeners run at once. */
const closedSink: SseSink = {
  write: () => written,
  onAbort: (listener) => queueMicrotask(listener),
};

function nodeResponseOf(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/** Fetch headers as Node's: repeated `set-cookie` kept apart, every other name once. */
function outgoingHeaders(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of headers) if (name !== "set-cookie") record[name] = value;
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record["set-cookie"] = cookies;
  return record;
}
