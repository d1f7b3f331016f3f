/**
 * Process entry: the non-durable baseline. A pass-through proxy that relays the model's SSE to
 * the client byte for byte (no log, no parsing): what a chat backend without durability costs.
 * `MODEL_URL` is the model's base URL (ending in `/v1`).
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { agent } from "./http.js";
import { sendToParent } from "./worker.js";

const modelUrl = process.env.MODEL_URL;
if (!modelUrl) throw new Error("MODEL_URL is required");

const server = createServer((req, res) => {
  const upstream = request(`${modelUrl}/chat/completions`, { method: "POST", agent, headers: { "content-type": "application/json" } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { "content-type": String(answer.headers["content-type"] ?? "text/event-stream"), "cache-control": "no-cache" });
    answer.pipe(res);
  });
  upstream.on("error", () => res.destroy());
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy(); // the client left mid-answer
  });
  req.pipe(upstream);
});

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  sendToParent({ type: "ready", url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` });
});
