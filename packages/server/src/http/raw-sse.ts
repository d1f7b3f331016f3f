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
   * Writes a frame many responses send alike (the heartbeat, a batch every tail of a chat gets)
   * as `write` would; a sink may write the frame's ready-made HTTP chunk instead. Without it,
   * callers `write` the frame's text ({@link writeFrame}).
   */
  writeShared?(frame: SharedFrame): Promise<unknown>;
  /** Called once when the client goes away (or the response has ended). */
  onAbort(listener: () => void): void;
}

export type SseBody = (sink: SseSink) => Promise<void>;
/** Told about a body that failed; the client then gets an `event: error` frame and the end. */
export type SseFailure = (error: Error) => void;

/**
 * A frame many responses send alike, and the whole HTTP/1.1 chunk of it (size line, data, CRLF),
 * made once when first needed: each response then costs one socket write of the same bytes,
 * instead of the response's chunked framing (text encoded, three parts corked, flushed on the
 * next tick) — half the CPU per response (bench/sse-floor.bench.ts: 22–23 µs against 41–46 µs
 * over 1,000 responses).
 */
export class SharedFrame {
  #chunk: Buffer | undefined;
  constructor(readonly text: string) {}
  get chunk(): Buffer {
    return (this.#chunk ??= Buffer.from(`${Buffer.byteLength(this.text).toString(16)}\r\n${this.text}\r\n`));
  }
}

/** Writes `frame` to `sink`: its ready-made chunk where the sink takes one, its text otherwise. */
export function writeFrame(sink: SseSink, frame: SharedFrame): Promise<unknown> {
  return sink.writeShared ? sink.writeShared(frame) : sink.write(frame.text);
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
    return out.write(text) ? written : drained(out, out);
  }

  /**
   * A shared frame, written to the socket as its ready-made chunk when nothing of the response
   * is waiting: `write` goes through the response's chunked framing, which also allocated
   * ~1.7 KB per heartbeat — at 10,000 idle tails, four fifths of what an idle process allocated.
   * Only onto an empty buffer, so the chunk never lands inside another one; when the socket is
   * then full, the next write waits for it to drain like `write` does.
   */
  writeShared(frame: SharedFrame): Promise<unknown> {
    const out = this.out;
    const socket = out.socket;
    // (The response's writableLength counts what its socket holds too.)
    if (!socket || !out.chunkedEncoding || out.writableLength > 0 || out.writableEnded || out.destroyed) return this.write(frame.text);
    // The response emits no `drain` for a write it did not make: the socket's is awaited.
    return socket.write(frame.chunk) ? written : drained(socket, out);
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

/** Resolves on `writer`'s next `drain`, or when the response closes (the client left). */
function drained(writer: NodeJS.EventEmitter, out: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      writer.off("drain", done);
      out.off("close", done);
      resolve();
    };
    writer.on("drain", done);
    out.on("close", done);
  });
}
