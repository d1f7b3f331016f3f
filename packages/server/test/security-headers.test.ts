/** Every response — data, errors, auth, health, unknown routes — carries the security headers. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { API_PATH } from "@open-chat/shared";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await signInAsGuest(server.url);
});
afterAll(() => server?.close());

it.each([
  ["GET", API_PATH.healthz, false],
  ["GET", API_PATH.chats, true],
  ["GET", `${API_PATH.chats}/missing-chat`, true],
  ["POST", API_PATH.signInAnonymous, false],
  ["GET", API_PATH.getSession, true],
  ["GET", "/no/such/route", false],
  ["POST", API_PATH.chats, false],
] as const)("%s %s", async (method, path, withToken) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(withToken ? { Authorization: `Bearer ${token}` } : {}) },
    body: method === "POST" ? "{}" : undefined,
  });
  await response.arrayBuffer();
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("cross-origin-resource-policy")).toBeNull();
});

it("keeps a live SSE tail out of caches too", async () => {
  const chat = await (await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: "{}" })).json();
  const controller = new AbortController();
  const response = await fetch(`${server.url}${API_PATH.events(chat.id)}?live=sse&offset=-1`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  controller.abort();
});
