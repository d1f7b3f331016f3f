/**
 * The metrics listener (METRICS_PORT): `GET /metrics` in Prometheus' text format, on a port of
 * its own and by default on 127.0.0.1 only, so that neither the API's port nor the internet sees
 * it. With METRICS_TOKEN a scrape must send `Authorization: Bearer <token>` (Prometheus:
 * `authorization: { credentials: … }`). Answers other than the metrics use the API's error shape.
 *
 * One process serves its own registry; a cluster's primary serves the sum over its workers
 * (`clusterMetrics`, prom-client's AggregatorRegistry asks each worker over the cluster's IPC
 * channel): the workers share the API's port, so a scrape there would reach one of them at random.
 *
 * ```ts
 * const listener = await listenMetrics({ host: "127.0.0.1", port: 9464, collect: registryText(metrics.registry) });
 * // curl http://127.0.0.1:9464/metrics
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { ErrorCode } from "@open-chat/shared";
import { errorBody } from "../http/api-error.js";

export interface MetricsListenerOptions {
  host: string;
  /** 0 = any free port (tests). */
  port: number;
  /** Required as a bearer token when set. */
  token?: string;
  /** The exposition to answer with, collected per scrape. */
  collect(): Promise<{ text: string; contentType: string }>;
}

export interface MetricsListener {
  /** `http://host:port/metrics`. */
  url: string;
  /** The URL for the start-up log, with what a scrape must send. */
  shown: string;
  close(): Promise<void>;
}

/** What a scrape of one process answers: its registry. */
export function registryText(registry: Registry): MetricsListenerOptions["collect"] {
  return async () => ({ text: await registry.metrics(), contentType: registry.contentType });
}

/** A cluster's worker: its registry is what it answers when the primary asks for the workers' metrics. */
export function reportToPrimary(registry: Registry): void {
  // Constructing one is what makes a worker answer the primary's requests (prom-client adds its
  // IPC listener there, in workers too).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** What a scrape of a cluster's primary answers: every worker's registry, summed (`reportToPrimary`). */
export function clusterText(): MetricsListenerOptions["collect"] {
  const aggregator = new AggregatorRegistry();
  return async () => ({ text: await aggregator.clusterMetrics(), contentType: aggregator.contentType });
}

export async function listenMetrics(options: MetricsListenerOptions): Promise<MetricsListener> {
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const server = createServer((req, res) => void answer(req, res));

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path !== "/metrics") return fail(res, 404, "not_found", "the metrics are at /metrics");
    if (req.method !== "GET" && req.method !== "HEAD") return fail(res, 405, "invalid_request", "only GET /metrics", { Allow: "GET, HEAD" });
    if (expected && !sameBytes(Buffer.from(req.headers.authorization ?? ""), expected)) {
      return fail(res, 401, "unauthorized", "METRICS_TOKEN is set: send Authorization: Bearer <token>", { "WWW-Authenticate": "Bearer" });
    }
    try {
      const { text, contentType } = await options.collect();
      res.writeHead(200, { "Content-Type": contentType, "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : text);
    } catch (error) {
      // A cluster worker that does not answer in time (it is starting or stuck) fails the scrape.
      fail(res, 500, "internal", `the metrics could not be collected: ${(error as Error).message}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/metrics`;
  return {
    url,
    shown: options.token ? `${url} (bearer METRICS_TOKEN)` : url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function fail(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers });
  res.end(JSON.stringify(errorBody(code, message)));
}

function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
