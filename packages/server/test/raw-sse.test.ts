/**
 * SSE bodies written straight to Node's response (http/raw-sse.ts), over a real HTTP server:
 * the headers every middleware adds still reach the client, a failing body ends with one error
 * frame, a client that leaves is noticed, a body larger than the socket buffers arrives whole,
 * and without a Node response (`app.request`) the same frames come through hono's helper.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { Hono } from "hono";
import { listen, type Listening } from "../src/http/listen.js";
import { SharedFrame, respondWithSse, sseResponses, writeFrame, type SseBody } from "../src/http/raw-sse.js";

let server: Listening;
let app: Hono;
const failures: string[] = [];
let left: () => void = () => {};
/** 32 MiB: well past what the sockets hold. */
const SHARED_FULL = 32 * 1024 * 1024;
const sharedFull = Promise.withResolvers<{ written: Promise<unknown>; settled: () => boolean }>();
const bodies: Record<string, SseBody> = {
  frames: async (sink) => {
    await sink.write("event: data\ndata: [1]\nid: a\n\n");
    await sink.write("event: data\ndata: [2]\nid: b\n\n");
  },
  fails: async (sink) => {
    await sink.write("event: data\ndata: [1]\nid: a\n\n");
    throw new Error("upstream\ngone");
  },
  replaced: (sink) =>
    new Promise<void>((resolve) => {
      sink.onAbort(() => {
        left();
        resolve();
      });
    }),
  waits: (sink) =>
    new Promise<void>((resolve) => {
      sink.onAbort(() => {
        left();
        resolve();
      });
      void sink.write(": open\n\n");
    }),
  beats: async (sink) => {
    const ping = new SharedFrame(": ping\n\n");
    await writeFrame(sink, ping);
    await sink.write("event: data\ndata: [1]\nid: a\n\n");
    await writeFrame(sink, ping);
    // Right behind a write still on its way out: the beat must queue behind it, not cut into it.
    void sink.write("event: data\ndata: [2]\nid: b\n\n");
    await writeFrame(sink, ping);
  },
  sharedFull: async (sink) => {
    // One shared frame larger than what the sockets hold, to a client that is not reading.
    const written = writeFrame(sink, new SharedFrame(`data: ${"y".repeat(SHARED_FULL - 8)}\n\n`));
    let settled = false;
    void written.then(() => (settled = true));
    sharedFull.resolve({ written, settled: () => settled });
    await written;
  },
  large: async (sink) => {
    const chunk = `data: ${"x".repeat(64 * 1024 - 8)}\n\n`;
    for (let i = 0; i < 512; i++) await sink.write(chunk); // 32 MiB: well past what the sockets hold
  },
};

beforeAll(async () => {
  app = new Hono();
  app.use("*", sseResponses());
  // A middleware that sets its header after the route, as secure-headers and CORS do.
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("x-set-after-next", "yes");
  });
  // A middleware that replaces the route's answer afterwards (as an error would).
  app.use("/sse/replaced", async (c, next) => {
    await next();
    c.res = new Response("replaced", { status: 500 });
  });
  app.get("/sse/:body", (c) => respondWithSse(c, bodies[c.req.param("body")]!, (error) => failures.push(error.message)));
  app.get("/plain", (c) => c.json({ ok: true }));
  server = await listen(app.fetch, { host: "127.0.0.1", port: 0 });
});
afterAll(() => server?.close());

it("sends the body's frames with the headers middlewares set after the route, then ends", async () => {
  const response = await fetch(`${server.url}/sse/frames`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("x-set-after-next")).toBe("yes");
  expect(await response.text()).toBe("event: data\ndata: [1]\nid: a\n\nevent: data\ndata: [2]\nid: b\n\n");
});

it("ends a failing body with one error frame on one line, and reports the failure", async () => {
  const response = await fetch(`${server.url}/sse/fails`);
  expect(await response.text()).toBe("event: data\ndata: [1]\nid: a\n\nevent: error\ndata: upstream gone\n\n");
  expect(failures).toEqual(["upstream\ngone"]);
});

it("tells the body when the client goes away", async () => {
  const gone = new Promise<void>((resolve) => (left = resolve));
  const controller = new AbortController();
  const response = await fetch(`${server.url}/sse/waits`, { signal: controller.signal });
  const reader = response.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toBe(": open\n\n");
  controller.abort();
  await gone; // resolves only through the body's onAbort listener
});

it("runs a body whose answer was replaced against a closed sink, so it releases what it holds", async () => {
  const released = new Promise<void>((resolve) => (left = resolve));
  const response = await fetch(`${server.url}/sse/replaced`);
  expect(response.status).toBe(500);
  expect(await response.text()).toBe("replaced");
  await released; // resolves only through the body's onAbort listener
});

it("answers HEAD with the headers alone and releases the body at once", async () => {
  const logged = vi.spyOn(console, "error");
  const released = new Promise<void>((resolve) => (left = resolve));
  const response = await fetch(`${server.url}/sse/waits`, { method: "HEAD" });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  expect(response.headers.get("x-set-after-next")).toBe("yes");
  await released; // the client still holds its keep-alive connection: only the closed sink ends the body
  expect(logged).not.toHaveBeenCalled();
  logged.mockRestore();
});

it("waits for the client when the connection is full, and delivers all of a large body", async () => {
  const response = await fetch(`${server.url}/sse/large`);
  const text = await response.text();
  expect(text.length).toBe(512 * 64 * 1024);
});

it("a shared frame that fills the connection resolves only once the client has read it", async () => {
  const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
  socket.pause(); // the client reads nothing yet: the sockets fill up
  socket.write("GET /sse/sharedFull HTTP/1.1\r\nHost: x\r\n\r\n");
  const { written, settled } = await sharedFull.promise;
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(settled()).toBe(false); // waits for the socket's drain, which only the client's reading brings
  let received = 0;
  socket.on("data", (chunk: Buffer) => (received += chunk.length));
  socket.resume();
  await written;
  expect(received).toBeGreaterThan(0);
  socket.destroy();
});

it("leaves other responses to hono", async () => {
  const response = await fetch(`${server.url}/plain`);
  expect(await response.json()).toEqual({ ok: true });
  expect(response.headers.get("x-set-after-next")).toBe("yes");
});

it("falls back to hono's helper without a Node response, with the same frames and headers", async () => {
  const response = await app.request("/sse/frames");
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("x-set-after-next")).toBe("yes");
  expect(await response.text()).toBe("event: data\ndata: [1]\nid: a\n\nevent: data\ndata: [2]\nid: b\n\n");
});

const BEATS = ": ping\n\nevent: data\ndata: [1]\nid: a\n\n: ping\n\nevent: data\ndata: [2]\nid: b\n\n: ping\n\n";

it("writes heartbeats as whole chunks of the response, in order with the frames around them", async () => {
  // fetch decodes the chunked body: a chunk cut into another would fail it or garble the text.
  expect(await (await fetch(`${server.url}/sse/beats`)).text()).toBe(BEATS);
  // On the wire: each beat is one chunk of its own.
  const raw = await rawResponse("HTTP/1.1", "Host: x");
  expect(raw).toMatch(/^HTTP\/1\.1 200/);
  expect(raw.toLowerCase()).toContain("transfer-encoding: chunked");
  // ": ping\n\n" is 8 bytes: its chunk is "8", CRLF, the text, CRLF.
  expect(raw.slice(raw.indexOf("\r\n\r\n") + 4)).toMatch(/^8\r\n: ping\n\n\r\n/);
  expect(raw.split("\r\n8\r\n: ping\n\n\r\n").length - 1).toBeGreaterThanOrEqual(1);
});

it("writes heartbeats plainly to a client without chunked encoding (HTTP/1.0)", async () => {
  const raw = await rawResponse("HTTP/1.0", "Host: x");
  expect(raw).not.toContain("chunked");
  expect(raw.slice(raw.indexOf("\r\n\r\n") + 4)).toBe(BEATS);
});

/**
 * The whole response to GET /sse/beats over a plain socket, as text: to the last chunk of a
 * chunked one (the connection stays open), to the end of the connection otherwise.
 */
function rawResponse(version: string, headers: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (/chunked/i.test(text) && text.endsWith("\r\n0\r\n\r\n")) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
    socket.write(`GET /sse/beats ${version}\r\n${headers}\r\n\r\n`);
  });
}
