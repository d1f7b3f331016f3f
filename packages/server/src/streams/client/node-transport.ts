/**
 * The streams client's default transport: `node:http` (or `https`) with a keep-alive agent.
 * Measured against `fetch` on the same tier (bench/tier-client.bench.ts): about half the CPU
 * per append and per read — no web streams, no `Headers`/`Response` objects per request.
 *
 * Idempotent requests (GET, PUT, DELETE) that fail because the tier closed a pooled keep-alive
 * connection just as we reused it (ECONNRESET on a reused socket) are sent once more on a new
 * connection, as Node's documentation advises; appends are retried by their caller (group commit,
 * with the same producer seq). A connection that stays silent for `idleTimeoutMs` fails like
 * `fetch`'s own 300 s header/body timeouts did.
 */
import http from "node:http";
import https from "node:https";
import type { Transport, TransportRequest, TransportResponse } from "./transport.js";

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);

export interface NodeTransportOptions {
  /** A request whose connection is silent this long fails. Default 300 000 ms (as `fetch`). */
  idleTimeoutMs?: number;
}

export function nodeTransport(baseUrl: string, options: NodeTransportOptions = {}): Transport {
  const url = new URL(baseUrl);
  const secure = url.protocol === "https:";
  const request = secure ? https.request : http.request;
  // LIFO keeps the fewest sockets warm; idle ones are closed before the tier's keep-alive ends.
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, scheduling: "lifo" });
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const base = { protocol: url.protocol, hostname: url.hostname, port: url.port || (secure ? 443 : 80), agent };
  const prefix = url.pathname === "/" ? "" : url.pathname;

  function once(req: TransportRequest): Promise<{ response: TransportResponse } | { retry: true }> {
    return new Promise((resolve, reject) => {
      const headers = req.body !== undefined ? { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) } : req.headers;
      const { signal } = req;
      if (signal?.aborted) return reject(signal.reason);
      const outgoing = request({ ...base, method: req.method, path: prefix + req.path, headers });
      // Our own listener, for the whole exchange: the caller's abort cancels a long-poll that is
      // still waiting for its response or its body (the connection is destroyed, not reused).
      const onAbort = () => outgoing.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      outgoing.on("close", () => signal?.removeEventListener("abort", onAbort));
      outgoing.setTimeout(idleTimeoutMs, () => outgoing.destroy(new Error(`the streams tier sent nothing for ${idleTimeoutMs} ms`)));
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        if (outgoing.reusedSocket && error.code === "ECONNRESET" && IDEMPOTENT.has(req.method) && !req.signal?.aborted) resolve({ retry: true });
        else reject(error);
      });
      outgoing.on("response", (res) => resolve({ response: responseOf(res) }));
      outgoing.end(req.body);
    });
  }

  return async (req) => {
    const first = await once(req);
    if ("response" in first) return first.response;
    const second = await once(req);
    if ("response" in second) return second.response;
    throw new Error("the streams tier closed the connection twice");
  };
}

function responseOf(res: http.IncomingMessage): TransportResponse {
  let consumed: Promise<string> | undefined;
  const text = () =>
    (consumed ??= new Promise<string>((resolve, reject) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
      res.on("close", () => {
        if (!res.complete) reject(new Error("the streams tier's response was cut off"));
      });
    }));
  return {
    status: res.statusCode ?? 0,
    header(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
    text,
    async drain() {
      try {
        await text();
      } catch {
        // nothing useful was in it
      }
    },
    async *chunks() {
      res.setEncoding("utf8");
      for await (const chunk of res) yield chunk as string;
      if (!res.complete) throw new Error("the streams tier's response was cut off");
    },
  };
}
