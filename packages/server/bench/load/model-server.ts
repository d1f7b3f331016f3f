/**
 * Process entry: a timestamping OpenAI-compatible model on loopback. Every streamed answer is
 * `--tokens` chunks at `--rate` tokens/s, each chunk's content `"<index>@<emission µs> "`
 * stamped at the moment it is written (see clock.ts), so the load generator can measure
 * emission → client for every token. The project's scriptable model server (src/model-server)
 * fixes a reply's tokens before streaming, so it cannot stamp emission times; the wire shapes
 * are its own (`wire.ts`), so the app's `openai` client parses these exactly like those.
 *
 * Answers are paced on absolute times (start + i / rate): a late timer delays one token, not
 * every token after it. The stamp is taken at the write, so the model's own lateness is never
 * counted as ours.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chunk, sseFrame, usageChunk, type CompletionMeta } from "../../src/model-server/wire.js";
import { stampToken } from "./clock.js";
import { sendToParent } from "./worker.js";

const tokens = Number(process.env.BENCH_TOKENS ?? 200);
const rate = Number(process.env.BENCH_TOKENS_PER_SECOND ?? 30);
let answers = 0;

const server = createServer((req, res) => {
  if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found","type":"invalid_request_error","param":null,"code":null}}');
    return;
  }
  const body: Buffer[] = [];
  req.on("data", (part: Buffer) => body.push(part));
  req.on("end", () => {
    const request = JSON.parse(Buffer.concat(body).toString("utf8")) as { model?: string; stream_options?: { include_usage?: boolean } };
    stream(res, { id: `chatcmpl-bench-${++answers}`, created: Math.floor(Date.now() / 1000), model: request.model ?? "bench-model" }, request.stream_options?.include_usage === true);
  });
});

function stream(res: ServerResponse, meta: CompletionMeta, includeUsage: boolean): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.write(sseFrame(chunk(meta, { role: "assistant", content: "", refusal: null }, null, includeUsage)));
  const start = performance.now();
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on("close", () => clearTimeout(timer));
  const next = () => {
    if (res.destroyed) return;
    if (index === tokens) {
      res.write(sseFrame(chunk(meta, {}, "stop", includeUsage)));
      if (includeUsage) res.write(sseFrame(usageChunk(meta, { prompt_tokens: 1, completion_tokens: tokens, total_tokens: tokens + 1 })));
      res.end(sseFrame("[DONE]"));
      return;
    }
    res.write(sseFrame(chunk(meta, { content: stampToken(index) }, null, includeUsage)));
    index++;
    timer = setTimeout(next, Math.max(0, start + (index * 1000) / rate - performance.now()));
  };
  timer = setTimeout(next, 1000 / rate);
}

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  sendToParent({ type: "ready", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
});
