/**
 * A gate between the Open Chat server and the test model server: an HTTP proxy on loopback
 * that relays requests untouched and relays the model's streamed (SSE) replies frame by frame,
 * only as far as the test allows. With the gate held, an answer cannot advance, let alone end,
 * however fast or slow the machine is; a test that needs "still streaming" holds the gate
 * instead of hoping the answer is long enough.
 *
 * @example
 * const server = await startTestServer({ gateModel: true });
 * server.modelGate!.hold();
 * await client.send(chatId, "[[tokens:300]] a long answer");
 * await server.modelGate!.releaseText(200); // the model has sent at least 200 characters, and no more frames
 * // ... the answer is mid-stream for as long as the gate is held ...
 * server.modelGate!.open();
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";

export interface ModelGate {
  /** The model server's base URL (with its `/v1`), through the gate. */
  readonly url: string;
  /** Content (`choices[0].delta.content`) of the streamed frames relayed since the last `hold()`, in order. */
  readonly releasedText: string;
  /** From now on, streamed frames wait in the gate until released; `releasedText` starts over. */
  hold(): void;
  /**
   * Relays held frames (and waits for the model to send more) until `releasedText` is at least
   * `chars` long, then keeps holding. Resolves once that much has been relayed.
   */
  releaseText(chars: number): Promise<void>;
  /** Relays everything held and everything that follows; stops holding. */
  open(): void;
  close(): Promise<void>;
}

interface Reply {
  res: import("node:http").ServerResponse;
  frames: string[];
  buffer: string;
  ended: boolean;
  done: boolean;
}

/** Starts a gate in front of `modelUrl` (a base URL such as `http://127.0.0.1:1234/v1`). Open at first. */
export async function startModelGate(modelUrl: string): Promise<ModelGate> {
  const target = new URL(modelUrl);
  const replies: Reply[] = [];
  let holding = false;
  let budget = 0; // characters still to relay while holding
  let releasedText = "";
  const waiters: Array<{ chars: number; resolve: () => void }> = [];

  const settle = () => {
    for (const w of [...waiters]) {
      if (releasedText.length >= w.chars) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  const pump = () => {
    for (const reply of replies) {
      if (reply.done) continue;
      while (reply.frames.length > 0 && (!holding || budget > 0)) {
        const frame = reply.frames.shift()!;
        const text = frameContent(frame);
        releasedText += text;
        budget = Math.max(0, budget - text.length);
        reply.res.write(frame);
      }
      if (reply.ended && reply.frames.length === 0 && !reply.done) {
        reply.done = true;
        reply.res.end();
      }
    }
    for (let i = replies.length - 1; i >= 0; i--) if (replies[i]!.done) replies.splice(i, 1);
    settle();
  };

  const server: Server = createServer((req, res) => {
    let streamed: Reply | undefined;
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!String(up.headers["content-type"] ?? "").includes("text/event-stream")) {
          up.pipe(res);
          return;
        }
        res.flushHeaders();
        const reply: Reply = { res, frames: [], buffer: "", ended: false, done: false };
        replies.push(reply);
        streamed = reply;
        up.setEncoding("utf8");
        up.on("data", (chunk: string) => {
          reply.buffer += chunk;
          let end: number;
          while ((end = reply.buffer.indexOf("\n\n")) >= 0) {
            reply.frames.push(reply.buffer.slice(0, end + 2));
            reply.buffer = reply.buffer.slice(end + 2);
          }
          pump();
        });
        up.on("end", () => {
          if (reply.buffer) reply.frames.push(reply.buffer);
          reply.buffer = "";
          reply.ended = true;
          pump();
        });
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on("close", () => {
      if (res.writableFinished) return;
      upstream.destroy();
      // The server left (e.g. a stopped answer): drop what it will never read.
      if (streamed) {
        streamed.done = true;
        streamed.frames = [];
      }
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("model gate has no address");

  return {
    url: `http://127.0.0.1:${address.port}${target.pathname}`,
    get releasedText() {
      return releasedText;
    },
    hold() {
      holding = true;
      budget = 0;
      releasedText = "";
    },
    releaseText(chars) {
      const done = new Promise<void>((resolve) => waiters.push({ chars, resolve }));
      budget = Math.max(budget, chars - releasedText.length);
      pump();
      return done;
    },
    open() {
      holding = false;
      budget = 0;
      pump();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The `delta.content` of one OpenAI stream frame (`data: {...}\n\n`); "" for anything else. */
function frameContent(frame: string): string {
  const data = frame.replace(/^data: /, "").trim();
  if (!data.startsWith("{")) return "";
  try {
    const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown } }> };
    const content = parsed.choices?.[0]?.delta?.content;
    return typeof content === "string" ? content : "";
  } catch {
    return "";
  }
}
