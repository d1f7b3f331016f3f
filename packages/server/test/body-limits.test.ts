/**
 * Size limits, enforced while a request arrives: bodies on every route (Better Auth's and the
 * admin API's included) are cut off at their limit without being held in memory — four 50 MB
 * chunked uploads in parallel leave the server's RSS where it was (it grew by 237 MB to 518 MB
 * before) — a Content-Length that lies is no way around it, and headers over the limit are
 * answered 431 in the API's error shape on a connection that is then closed.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { createTestTenant, signInAsGuest, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { Hono } from "hono";
import { MAX_ADMIN_BODY_BYTES, MAX_AUTH_BODY_BYTES, MAX_BODY_BYTES, bodyLimits } from "../src/http/body.js";
import { MAX_HEADER_BYTES } from "../src/http/listen.js";
import { renderError } from "../src/http/render-error.js";

const MB = 1024 * 1024;
/** How much the server process may grow while it refuses 200 MB of uploads: a bound, not a timing. */
const RSS_BOUND = 64 * MB;
const OPERATOR_KEY = "operator-key-".padEnd(48, "b");

let server: TestServer;
let shop: TestTenant;
let token: string;
let chatId: string;

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  shop = await createTestTenant(server.services);
  token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey, origin: shop.origin });
  const created = await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: endUser(), body: "{}" });
  chatId = ((await created.json()) as { id: string }).id;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

function endUser(): Record<string, string> {
  return { Authorization: `Bearer ${token}`, [HEADER.publishableKey]: shop.publishableKey, Origin: shop.origin, "Content-Type": "application/json" };
}

/** A body of `total` bytes that exists only one 64 KiB chunk at a time (sent chunked). */
function chunkedBody(total: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20); // spaces: valid JSON padding
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk.byteLength, total - sent);
      controller.enqueue(size === chunk.byteLength ? chunk : chunk.subarray(0, size));
      sent += size;
    },
  });
}

/** POSTs a chunked body; the status, or the error when the server closed the upload first. */
async function postChunked(path: string, total: number, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers,
    body: chunkedBody(total),
    duplex: "half",
    signal: AbortSignal.timeout(60_000),
  } as RequestInit);
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

/** Writes raw bytes on a new connection and returns everything the server sent until it closed. */
function rawExchange(write: (socket: import("node:net").Socket) => void): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error("the server neither answered nor closed the connection")));
    socket.on("data", (data) => received.push(data));
    socket.on("error", (error) => ((error as { code?: string }).code === "ECONNRESET" || (error as { code?: string }).code === "EPIPE" ? undefined : reject(error)));
    socket.on("close", () => resolve(Buffer.concat(received).toString("latin1")));
    socket.on("connect", () => write(socket));
  });
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
const codeOf = (raw: string) => (JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)) as { error: { code: string } }).error.code;

describe("body limits", () => {
  it("cuts off four parallel 50 MB chunked bodies at the limit: 413 payload_too_large, RSS bounded", async () => {
    const before = process.memoryUsage().rss;
    const answers = await Promise.all([
      postChunked(API_PATH.signInAnonymous, 50 * MB, { [HEADER.publishableKey]: shop.publishableKey, "Content-Type": "application/json" }),
      postChunked(API_PATH.signInAnonymous, 50 * MB, { [HEADER.publishableKey]: shop.publishableKey, "Content-Type": "application/json" }),
      postChunked(`${API_PATH.chats}/${chatId}/messages`, 50 * MB, endUser()),
      postChunked(API_PATH.chats, 50 * MB, endUser()),
    ]);
    expect(process.memoryUsage().rss - before).toBeLessThan(RSS_BOUND);
    expect(answers).toEqual(Array(4).fill({ status: 413, code: "payload_too_large" }));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("cuts off a chunked body on the admin API", async () => {
    const answer = await postChunked(`${API_PATH.admin}/tenants`, 50 * MB, { Authorization: `Bearer ${OPERATOR_KEY}`, "Content-Type": "application/json" });
    expect(answer).toEqual({ status: 413, code: "payload_too_large" });
  });

  it.each([
    ["/v1/auth", API_PATH.signInAnonymous, MAX_AUTH_BODY_BYTES],
    ["the chat API", API_PATH.chats, MAX_BODY_BYTES],
    ["the admin API", `${API_PATH.admin}/tenants`, MAX_ADMIN_BODY_BYTES],
  ])("takes a body of exactly the limit of %s and refuses one byte more, chunked or not", async (_name, path, limit) => {
    const headers = path.startsWith(API_PATH.admin) ? { Authorization: `Bearer ${OPERATOR_KEY}`, "Content-Type": "application/json" } : path === API_PATH.chats ? endUser() : { [HEADER.publishableKey]: shop.publishableKey, "Content-Type": "application/json" };
    const json = (size: number) => (path.startsWith(API_PATH.admin) ? `{"name":"padded"}` : "{}").padEnd(size, " ");
    const fits = await fetch(`${server.url}${path}`, { method: "POST", headers, body: json(limit) });
    expect(fits.status).toBeLessThan(300);
    const over = await fetch(`${server.url}${path}`, { method: "POST", headers, body: json(limit + 1) });
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(await postChunked(path, limit + 1, headers)).toEqual({ status: 413, code: "payload_too_large" });
  });

  it("takes a 32,000-character message of 4-byte characters (128 KB of JSON)", async () => {
    server.model.enqueue({ tokens: ["ok"] });
    const response = await fetch(`${server.url}${API_PATH.chats}/${chatId}/messages`, {
      method: "POST",
      headers: endUser(),
      body: JSON.stringify({ clientMessageId: "m-emoji", text: "😀".repeat(16_000) }),
    });
    expect(response.status).toBe(202);
    await server.idle();
  });

  it("answers a Content-Length over the limit at once, without waiting for the body", async () => {
    const raw = await rawExchange((socket) =>
      socket.write(`POST ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${HEADER.publishableKey}: ${shop.publishableKey}\r\nContent-Type: application/json\r\nContent-Length: ${50 * MB}\r\nConnection: close\r\n\r\n{`),
    );
    expect(statusOf(raw)).toBe(413);
    expect(codeOf(raw)).toBe("payload_too_large");
  });

  it("reads no more than a Content-Length that understates the body: the rest is no request", async () => {
    const before = process.memoryUsage().rss;
    const raw = await rawExchange((socket) => {
      socket.write(`POST ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${HEADER.publishableKey}: ${shop.publishableKey}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
      // 8 MB more than declared: Node parses it as a next request, which is malformed.
      const junk = Buffer.alloc(MB, 0x7b);
      for (let i = 0; i < 8; i++) socket.write(junk);
      socket.end();
    });
    // The junk is refused as a malformed request (before or after the first one's answer).
    const refusal = raw.slice(raw.indexOf("HTTP/1.1 400"));
    expect(statusOf(refusal)).toBe(400);
    expect(codeOf(refusal)).toBe("invalid_request");
    expect(process.memoryUsage().rss - before).toBeLessThan(RSS_BOUND);
  });
});

describe("header limits", () => {
  it(`answers headers over ${MAX_HEADER_BYTES} bytes with 431 header_too_large and closes the connection`, async () => {
    const raw = await rawExchange((socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"p".repeat(MAX_HEADER_BYTES)}\r\n\r\n`));
    expect(statusOf(raw)).toBe(431);
    expect(codeOf(raw)).toBe("header_too_large");
    expect(raw).toMatch(/\r\nConnection: close\r\n/);
  });

  it("answers a 70 KB URL (a chat id of 70 KB) the same way, also through fetch", async () => {
    const response = await fetch(`${server.url}${API_PATH.chats}/${"c".repeat(70_000)}`, { headers: endUser(), signal: AbortSignal.timeout(30_000) });
    expect(response.status).toBe(431);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("header_too_large");
  });

  it("answers a malformed request line with 400 invalid_request in the API's shape", async () => {
    const raw = await rawExchange((socket) => socket.write("GET /healthz HTTP/9.9 junk\r\n\r\n"));
    expect(statusOf(raw)).toBe(400);
    expect(codeOf(raw)).toBe("invalid_request");
  });

  it("keeps answering after all of it", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const response = await fetch(`${server.url}${API_PATH.chats}/${chatId}`, { headers: endUser() });
    expect(response.status).toBe(200);
  });
});

describe("bodyLimits asks for a body only when it must count it", () => {
  /** A request that counts how often its body is asked for (@hono/node-server builds a whole web Request on that ask, and the handler then reads the body through its web stream). */
  function counted(method: string, headers: Record<string, string> = {}): { request: Request; asked: () => number } {
    const request = new Request("http://localhost/v1/chats/c1/events", { method, headers });
    let asked = 0;
    Object.defineProperty(request, "body", {
      get() {
        asked++;
        return null;
      },
    });
    return { request, asked: () => asked };
  }
  const app = () => new Hono().use("*", bodyLimits()).all("*", (c) => c.text("ok")).onError(renderError);

  it.each(["GET", "HEAD"])("a %s passes without its body being asked for", async (method) => {
    const { request, asked } = counted(method);
    const response = await app().request(request);
    expect(response.status).toBe(200);
    expect(asked()).toBe(0);
  });

  it.each([
    ["a POST of declared length", "POST", { "content-length": "2" }],
    ["a POST with no body", "POST", {}],
    ["a DELETE", "DELETE", {}],
  ])("%s passes on its Content-Length, its body not asked for", async (_name, method, headers) => {
    const { request, asked } = counted(method, headers);
    expect((await app().request(request)).status).toBe(200);
    expect(asked()).toBe(0);
  });

  it("a Content-Length over the limit is 413 payload_too_large, its body not asked for", async () => {
    const { request, asked } = counted("POST", { "content-length": String(MAX_BODY_BYTES + 1) });
    const response = await app().request(request);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(response.headers.get("connection")).toBe("close");
    expect(asked()).toBe(0);
  });

  it("a chunked body is counted as it arrives", async () => {
    const { request, asked } = counted("POST", { "transfer-encoding": "chunked" });
    expect((await app().request(request)).status).toBe(200);
    expect(asked()).toBeGreaterThan(0);
  });
});
