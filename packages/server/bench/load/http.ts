/**
 * Plain `node:http` for the load generators: `fetch` costs about twice the CPU per request
 * (measured in issue "Performance"), and a load generator that saturates its own core measures
 * itself. One keep-alive agent without a socket cap, so N users really run N connections.
 */
import { Agent, request, type IncomingMessage } from "node:http";

export const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export interface JsonResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** One request with an optional JSON body; the response body is parsed as JSON when it is JSON. */
export function httpJson(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = request(url, {
      method,
      agent,
      headers: { ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }), ...headers },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        if (String(res.headers["content-type"] ?? "").includes("json") && text) {
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.end(payload);
  });
}

/** `error.code` of our API's error body, else the status alone. */
export function errorCodeOf(response: JsonResponse): string {
  const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === "string" ? `${response.status} ${code}` : String(response.status);
}

export interface SseFrame {
  event: string;
  data: string;
  id?: string;
}

/**
 * Opens a GET (or POST) whose answer is `text/event-stream` and calls `onFrame` for every frame
 * (comments skipped). Resolves with the response once headers arrived; `close()` ends it.
 */
export function openSse(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; onFrame: (frame: SseFrame) => void; onEnd?: (error?: Error) => void },
): Promise<{ status: number; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? "GET",
      agent,
      headers: { accept: "text/event-stream", ...(options.body ? { "content-type": "application/json", "content-length": Buffer.byteLength(options.body) } : {}), ...options.headers },
    });
    let settled = false;
    req.on("error", (error) => {
      if (!settled) reject(error);
      else options.onEnd?.(error);
    });
    req.on("response", (res) => {
      settled = true;
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      if (res.statusCode !== 200) {
        res.resume();
        return;
      }
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: SseFrame = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("data:")) data.push(line.slice(line[5] === " " ? 6 : 5));
            else if (line.startsWith("event:")) frame.event = line.slice(6).trim();
            else if (line.startsWith("id:")) frame.id = line.slice(3).trim();
          }
          if (data.length === 0) continue; // a comment (": ping") or a retry hint
          frame.data = data.join("\n");
          options.onFrame(frame);
        }
      });
      res.on("end", () => options.onEnd?.());
      res.on("error", (error) => options.onEnd?.(error));
    });
    req.end(options.body);
  });
}
