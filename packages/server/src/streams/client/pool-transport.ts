/**
 * The streams client's default transport: undici's connection pool (`Pool.request`) to the
 * tier's origin. Measured on the same tier (bench/tier-client.bench.ts): about a third less CPU
 * per append than `node:http` with a keep-alive agent, which was itself half of `fetch` — no web
 * streams, no `Headers`/`Response` objects, no `ClientRequest`/`IncomingMessage` per request.
 *
 * Idempotent requests (GET, PUT, DELETE) that fail because the tier closed a pooled keep-alive
 * connection just as it was reused (a reset socket) are sent once more on a new connection;
 * appends are retried by their caller (group commit, with the same producer seq). A connection
 * that stays silent for `idleTimeoutMs` (waiting for the head, or between two body chunks) fails.
 */
import { Pool } from "undici";
import type Dispatcher from "undici/types/dispatcher.js";
import type { Transport, TransportRequest, TransportResponse } from "./transport.js";

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
/** What undici reports for a pooled connection the peer reset or closed under a request. */
const RESET_CODES = new Set(["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]);

export interface PoolTransportOptions {
  /** A request whose connection is silent this long fails. Default 300 000 ms (as `fetch`). */
  idleTimeoutMs?: number;
}

export function poolTransport(baseUrl: string, options: PoolTransportOptions = {}): Transport {
  const url = new URL(baseUrl);
  const prefix = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
  const pool = new Pool(url.origin, { headersTimeout: idleTimeoutMs, bodyTimeout: idleTimeoutMs });

  async function once(req: TransportRequest): Promise<TransportResponse> {
    const res = await pool.request({
      method: req.method as Dispatcher.HttpMethod,
      path: prefix + req.path,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return responseOf(res);
  }

  return async (req) => {
    try {
      return await once(req);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (!IDEMPOTENT.has(req.method) || req.signal?.aborted || typeof code !== "string" || !RESET_CODES.has(code)) throw error;
      return once(req);
    }
  };
}

function responseOf(res: Dispatcher.ResponseData): TransportResponse {
  let consumed: Promise<string> | undefined;
  return {
    status: res.statusCode,
    header(name) {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
    text: () => (consumed ??= res.body.text()),
    async drain() {
      try {
        await (consumed ?? res.body.dump());
      } catch {
        // nothing useful was in it
      }
    },
    async *chunks() {
      res.body.setEncoding("utf8");
      for await (const chunk of res.body) yield chunk as string;
    },
  };
}
