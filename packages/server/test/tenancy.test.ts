/**
 * Tenancy at the browser-facing edge: publishable keys, allowed origins, CORS, guests per site,
 * sessions bound to their site, stream names per tenant, sign-out ending live tails. Real
 * server, real Postgres, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { createTestTenant, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";

let server: TestServer;
let shop: TestTenant;
let blog: TestTenant;

beforeAll(async () => {
  server = await startTestServer({ settings: { tail: { heartbeatMs: 15_000, retryMs: 500, longPollMs: 1_000, sessionCheckMs: 100 } } });
  // A server without keys serves keyless requests as the default tenant.
  const keyless = await fetch(`${server.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  expect(keyless.status).toBe(200);
  shop = await createTestTenant(server.services, { origin: "https://shop.example" });
  blog = await createTestTenant(server.services, { origin: "https://blog.example", guestsAllowed: false });
}, 60_000);
afterAll(() => server?.close());

async function call(path: string, init: { method?: string; token?: string; key?: string; origin?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...siteHeaders({ publishableKey: init.key, origin: init.origin }) };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const response = await fetch(`${server.url}${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

describe("publishable keys", () => {
  it("are required once the server has tenants", async () => {
    const signIn = await call(API_PATH.signInAnonymous, { method: "POST", body: {} });
    expect(signIn.status).toBe(401);
    expect(signIn.body.error.code).toBe("publishable_key_required");
    const chats = await call(API_PATH.chats, { token: await signInAsGuest(server.url, { publishableKey: shop.publishableKey }) });
    expect(chats.status).toBe(401);
    expect(chats.body.error.code).toBe("publishable_key_required");
  });

  it("make the guest an end user of the key's tenant, in a stream named after it", async () => {
    const token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey, origin: shop.origin });
    const chat = await call(API_PATH.chats, { method: "POST", token, key: shop.publishableKey, origin: shop.origin, body: {} });
    expect(chat.status).toBe(201);
    const row = await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chat.body.id }, include: { user: true } });
    expect(row.tenantId).toBe(shop.id);
    expect(row.user.tenantId).toBe(shop.id);
    const stream = await server.services.prisma.userStream.findFirstOrThrow({ where: { userId: row.userId } });
    expect(stream.name).toBe(`oc.${shop.id}.${row.userId}`);
  });

  it.each([
    ["a made-up key", () => "pk_" + "x".repeat(43), "invalid_key", 401],
    ["a malformed key", () => "hello", "invalid_key", 401],
    ["a secret key", () => shop.secretKey, "invalid_key", 401],
  ])("refuse %s", async (_name, key, code, status) => {
    const response = await call(API_PATH.signInAnonymous, { method: "POST", key: key(), body: {} });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it("refuse a revoked key, and accept a second one of the same site meanwhile", async () => {
    const extra = await server.services.tenants.createKey(shop.id, "publishable");
    const token = await signInAsGuest(server.url, { publishableKey: extra.key });
    await server.services.tenants.revokeKey(shop.id, extra.id);
    const revoked = await call(API_PATH.chats, { token, key: extra.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe("invalid_key");
    expect((await call(API_PATH.chats, { token, key: shop.publishableKey })).status).toBe(200);
  });

  it("work only from the tenant's allowed origins", async () => {
    const wrong = await call(API_PATH.signInAnonymous, { method: "POST", key: shop.publishableKey, origin: blog.origin, body: {} });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("origin_not_allowed");
    const token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey, origin: shop.origin });
    const fromOther = await call(API_PATH.chats, { token, key: shop.publishableKey, origin: "https://evil.example" });
    expect(fromOther.status).toBe(403);
    expect(fromOther.body.error.code).toBe("origin_not_allowed");
  });

  it("refuse guests where the site does not allow them", async () => {
    const response = await call(API_PATH.signInAnonymous, { method: "POST", key: blog.publishableKey, origin: blog.origin, body: {} });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("guests_not_allowed");
  });

  it("bind a session to its site: another site's key is refused, and nothing leaks", async () => {
    const token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey });
    const chat = await call(API_PATH.chats, { method: "POST", token, key: shop.publishableKey, body: { title: "mine" } });
    const otherKey = (await server.services.tenants.createKey(blog.id, "publishable")).key;
    for (const path of [API_PATH.chats, API_PATH.chat(chat.body.id)]) {
      const response = await call(path, { token, key: otherKey });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe("session_tenant_mismatch");
      expect(JSON.stringify(response.body)).not.toContain("mine");
    }
    const session = await call(API_PATH.getSession, { token, key: otherKey });
    expect(session.status).toBe(200);
    expect(session.body).toBeNull();
    // And without a key: the same refusal as for anyone without one.
    expect((await call(API_PATH.chats, { token })).body.error.code).toBe("publishable_key_required");
  });
});

describe("CORS", () => {
  async function preflight(origin: string) {
    return fetch(`${server.url}${API_PATH.chats}`, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": `authorization,content-type,${HEADER.publishableKey.toLowerCase()}` },
    });
  }

  it("answers exactly the tenants' origins, with a cached preflight", async () => {
    const allowed = await preflight(shop.origin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain(HEADER.publishableKey.toLowerCase());
    expect(Number(allowed.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets the site's page read a live SSE tail: its CORS headers reach the stream", async () => {
    const token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey, origin: shop.origin });
    const chat = await call(API_PATH.chats, { method: "POST", token, key: shop.publishableKey, origin: shop.origin, body: {} });
    const controller = new AbortController();
    const tail = await fetch(`${server.url}${API_PATH.events(chat.body.id)}?live=sse&offset=-1`, {
      headers: { Authorization: `Bearer ${token}`, [HEADER.publishableKey]: shop.publishableKey, Origin: shop.origin },
      signal: controller.signal,
    });
    expect(tail.status).toBe(200);
    expect(tail.headers.get("content-type")).toBe("text/event-stream");
    expect(tail.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(tail.headers.get("access-control-expose-headers")?.toLowerCase()).toContain(HEADER.streamNextOffset.toLowerCase());
    const reader = tail.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("retry:");
    controller.abort();
  });
});

describe("sign-out", () => {
  it("revokes the session and ends its live tail", async () => {
    const token = await signInAsGuest(server.url, { publishableKey: shop.publishableKey });
    const chat = await call(API_PATH.chats, { method: "POST", token, key: shop.publishableKey, body: {} });
    const tail = await fetch(`${server.url}${API_PATH.events(chat.body.id)}?live=sse&offset=-1`, {
      headers: { Authorization: `Bearer ${token}`, [HEADER.publishableKey]: shop.publishableKey },
    });
    expect(tail.status).toBe(200);
    const reader = tail.body!.getReader();
    await reader.read(); // the tail is live

    const out = await call(API_PATH.signOut, { method: "POST", token, key: shop.publishableKey, body: {} });
    expect(out.status).toBe(200);
    expect((await call(API_PATH.chats, { token, key: shop.publishableKey })).status).toBe(401);
    // The server ends the response on its next session check: the reader sees the end.
    for (;;) if ((await reader.read()).done) break;
  });

  it("a sign-out handled by this process ends its live tails at once, not at the next session check", async () => {
    const once = await startTestServer({ settings: { tail: { heartbeatMs: 60_000, retryMs: 500, longPollMs: 1_000, sessionCheckMs: 3_600_000 } } });
    try {
      const token = await signInAsGuest(once.url); // a server without tenants: no publishable key
      const headers = { Authorization: `Bearer ${token}` };
      const chat = await (await fetch(`${once.url}${API_PATH.chats}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" })).json();
      const tail = await fetch(`${once.url}${API_PATH.events(chat.id)}?live=sse&offset=-1`, { headers });
      const reader = tail.body!.getReader();
      await reader.read(); // the tail is live
      const out = await fetch(`${once.url}${API_PATH.signOut}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });
      expect(out.status).toBe(200);
      // The hourly check never runs within this test: only the sign-out itself can end the tail.
      for (;;) if ((await reader.read()).done) break;
      expect(once.services.liveSessions.size).toBe(0);
    } finally {
      await once.close();
    }
  });
});
