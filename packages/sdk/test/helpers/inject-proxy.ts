/**
 * An HTTP proxy on loopback (node:http + fetch) that forwards everything and, in the first SSE
 * response, inserts extra frames right after the first complete `event: control` frame — how
 * a broken intermediary or a buggy server would corrupt a tail.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"]);

export interface InjectProxy {
  url: string;
  /** How many frames were injected so far. */
  readonly injected: number;
  close(): Promise<void>;
}

export async function startInjectProxy(targetUrl: string, frames: string[]): Promise<InjectProxy> {
  let pendingFrames = [...frames];
  let injected = 0;
  const server = http.createServer(async (req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (!HOP_HEADERS.has(name) && typeof value === "string") headers.set(name, value);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(targetUrl + req.url, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        signal: abort.signal,
      });
      const outHeaders: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!HOP_HEADERS.has(name)) outHeaders[name] = value;
      });
      res.writeHead(upstream.status, outHeaders);
      if (!upstream.body) return res.end();
      const sse = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
      const decoder = new TextDecoder();
      let buffer = "";
      const reader = upstream.body.getReader();
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        if (!sse || pendingFrames.length === 0) {
          res.write(chunk);
          continue;
        }
        buffer += decoder.decode(chunk, { stream: true });
        const end = buffer.indexOf("\n\n", buffer.indexOf("event: control"));
        if (buffer.includes("event: control") && end !== -1) {
          res.write(buffer.slice(0, end + 2));
          for (const frame of pendingFrames) {
            res.write(frame);
            injected++;
          }
          pendingFrames = [];
          res.write(buffer.slice(end + 2));
          buffer = "";
        }
      }
      if (buffer) res.write(buffer);
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get injected() {
      return injected;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
