/**
 * Real streams-tier fixtures for tests: the embedded `@prisma/streams-local` and the Bun
 * `@prisma/streams-server` process with API-key auth, each on a fresh temp folder that is
 * removed afterwards.
 *
 * ```ts
 * forEachStreamsBackend((backend) => {
 *   it("appends", async () => {
 *     const client = backend().client();
 *     ...
 *   });
 * });
 * ```
 *
 * `OPEN_CHAT_STREAMS_BACKENDS=embedded` (comma-separated) limits the backends, e.g. on a machine
 * without Bun.
 */
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { createStreamsClient } from "../../src/streams/client/http-client.js";
import type { StreamsClient, StreamsClientOptions } from "../../src/streams/client/types.js";
import { startEmbeddedStreams } from "../../src/streams/tier/embedded.js";
import { startStreamsServerProcess } from "../../src/streams/tier/server-process.js";

export type StreamsBackendKind = "embedded" | "bun-server";

export interface StreamsBackend {
  readonly kind: StreamsBackendKind;
  readonly url: string;
  /** Set for `bun-server` (API-key auth). */
  readonly apiKey: string | undefined;
  readonly dataDir: string;
  /** A client for this backend (with its API key); `overrides` e.g. point it at a proxy. */
  client(overrides?: Partial<StreamsClientOptions>): StreamsClient;
}

export interface RunningStreamsBackend extends StreamsBackend {
  /** Stops the server and removes its temp folder. */
  stop(): Promise<void>;
}

const ALL_KINDS: readonly StreamsBackendKind[] = ["embedded", "bun-server"];

export function streamsBackendKinds(): StreamsBackendKind[] {
  const raw = process.env.OPEN_CHAT_STREAMS_BACKENDS;
  if (!raw) return [...ALL_KINDS];
  const wanted = raw.split(",").map((s) => s.trim());
  return ALL_KINDS.filter((k) => wanted.includes(k));
}

export async function startStreamsBackend(kind: StreamsBackendKind): Promise<RunningStreamsBackend> {
  const dataDir = makeTempDir(`open-chat-${kind}-`);
  try {
    if (kind === "embedded") {
      const server = await startEmbeddedStreams({ dataDir });
      return backend(kind, server.url, undefined, dataDir, () => server.close());
    }
    const server = await startStreamsServerProcess({ dataDir, apiKey: `test-${randomUUID()}` });
    console.info(`[streams fixture] bun streams-server answered HTTP ${Math.round(server.startMs)} ms after spawn`);
    return backend(kind, server.url, server.apiKey, dataDir, async () => {
      const t0 = performance.now();
      await server.stop();
      console.info(`[streams fixture] bun streams-server stopped in ${Math.round(performance.now() - t0)} ms`);
    });
  } catch (error) {
    removeDir(dataDir);
    throw error;
  }
}

function backend(
  kind: StreamsBackendKind,
  url: string,
  apiKey: string | undefined,
  dataDir: string,
  stopServer: () => Promise<void>,
): RunningStreamsBackend {
  return {
    kind,
    url,
    apiKey,
    dataDir,
    client: (overrides = {}) => createStreamsClient({ baseUrl: url, ...(apiKey ? { apiKey } : {}), ...overrides }),
    async stop() {
      try {
        await stopServer();
      } finally {
        removeDir(dataDir);
      }
    },
  };
}

/** Starts `kind` before the enclosing suite and stops it after; returns a getter. */
export function useStreamsBackend(kind: StreamsBackendKind): () => StreamsBackend {
  let running: RunningStreamsBackend | undefined;
  beforeAll(async () => {
    running = await startStreamsBackend(kind);
  }, 40_000);
  afterAll(async () => {
    await running?.stop();
  }, 30_000);
  return () => {
    if (!running) throw new Error(`streams backend ${kind} is not running`);
    return running;
  };
}

/** Runs `suite` once per backend, inside `describe("streams: <kind>")`. */
export function forEachStreamsBackend(suite: (backend: () => StreamsBackend, kind: StreamsBackendKind) => void): void {
  for (const kind of streamsBackendKinds()) {
    describe(`streams: ${kind}`, () => {
      const get = useStreamsBackend(kind);
      suite(get, kind);
    });
  }
}

/** A stream name no other test uses. */
export function uniqueStreamName(prefix = "test"): string {
  return `${prefix}:${randomUUID()}`;
}

/** Every record of `stream` (optionally of one key), following `nextOffset` until up to date. */
export async function readAll(client: StreamsClient, stream: string, key?: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let offset = "-1";
  for (;;) {
    const page = await client.read(stream, { offset, ...(key !== undefined ? { key } : {}) });
    out.push(...page.records);
    offset = page.nextOffset;
    if (page.upToDate) return out;
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export type ProxyPlan = "forward" | "drop-response" | "hold" | { forwardWhen: Promise<void> } | { answer: number };

export interface LoopbackProxyOptions {
  /** Upstream origin, e.g. the streams backend's url. */
  target: string;
  /**
   * Per request: `forward` relays it; `drop-response` forwards it, lets the upstream answer in
   * full, then destroys the client's socket instead of relaying the answer (a lost response);
   * `hold` neither forwards nor answers it: the request stays open until the client leaves, so
   * the only way it can end is the client's own doing; `{ forwardWhen }` forwards it (body and
   * all) once the promise resolves; `{ answer }` answers that status itself, forwarding nothing.
   * Default: forward everything.
   */
  plan?: (req: IncomingMessage, index: number) => ProxyPlan;
  /** Called as soon as a request arrives. */
  onRequest?: (req: IncomingMessage, index: number) => void;
  /** Called when a client goes away before its response was relayed (e.g. an abort). */
  onClientGone?: (req: IncomingMessage, index: number) => void;
  /** Called when the upstream's answer starts (its status), before it is relayed or dropped. */
  onResponse?: (req: IncomingMessage, index: number, status: number) => void;
  /** Called when a response was relayed in full. */
  onRelayed?: (req: IncomingMessage, index: number) => void;
}

export interface LoopbackProxy {
  readonly url: string;
  /** Responses dropped per the plan. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** A tiny HTTP/1.1 proxy on 127.0.0.1 that can lose responses on purpose. */
export async function startLoopbackProxy(options: LoopbackProxyOptions): Promise<LoopbackProxy> {
  const target = new URL(options.target);
  let index = 0;
  let dropped = 0;
  const server: Server = createServer((req, res) => {
    const i = index++;
    options.onRequest?.(req, i);
    const plan = options.plan?.(req, i) ?? "forward";
    if (plan === "hold") {
      req.resume();
      res.on("close", () => options.onClientGone?.(req, i));
      return;
    }
    if (typeof plan === "object" && "answer" in plan) {
      req.resume();
      res.writeHead(plan.answer, { "content-type": "text/plain" }).end(`refused by the test proxy (${plan.answer})`);
      return;
    }
    if (typeof plan === "object") {
      req.pause();
      void plan.forwardWhen.then(() => forward(req, res, i, "forward"));
      return;
    }
    forward(req, res, i, plan);
  });
  function forward(req: IncomingMessage, res: ServerResponse, i: number, plan: "forward" | "drop-response"): void {
    let finished = false;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        options.onResponse?.(req, i, up.statusCode ?? 0);
        if (plan === "drop-response") {
          up.resume();
          up.on("end", () => {
            finished = true;
            dropped++;
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("end", () => {
          finished = true;
          options.onRelayed?.(req, i);
        });
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on("close", () => {
      if (!finished) {
        upstream.destroy();
        options.onClientGone?.(req, i);
      }
    });
    req.pipe(upstream);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
