/**
 * Rate limits and quotas over real HTTP against Postgres counters: each limit, once used up,
 * answers 429 `rate_limited` with Retry-After, `retryAfterMs` and a message naming the limit,
 * while another user, address or site goes on unaffected. Limits are set per tenant through
 * the admin API (a secret key may only tighten them), over the production defaults.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { createTestTenant, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { DEFAULT_SETTINGS } from "../src/settings.js";
import type { TenantLimits } from "../src/tenants/limits.js";
import { requestFrom, type AddressedReply } from "./helpers/from-address.js";

const OPERATOR_KEY = `operator-${randomUUID()}-${randomUUID()}`;
/** The one proxy this server trusts: requests from it may say who the client is. */
const PROXY = "127.0.0.2";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    gateModel: true,
    settings: { operatorKey: OPERATOR_KEY, limits: { ...DEFAULT_SETTINGS.limits, trustedProxies: [PROXY] } },
  });
}, 60_000);
afterAll(async () => {
  server.modelGate?.open();
  await server?.close();
});

async function site(limits: TenantLimits): Promise<TestTenant> {
  const tenant = await createTestTenant(server.services, { origin: `https://${randomUUID().slice(0, 8)}.example` });
  const reply = await admin("PATCH", `/tenants/${tenant.id}`, OPERATOR_KEY, { limits });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body.limits).toEqual(limits);
  return tenant;
}

async function admin(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${server.url}${API_PATH.admin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function signIn(tenant: TestTenant, options: { from?: string; forwardedFor?: string } = {}): Promise<AddressedReply> {
  return requestFrom(options.from ?? "127.0.0.1", `${server.url}${API_PATH.signInAnonymous}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...siteHeaders({ publishableKey: tenant.publishableKey, origin: tenant.origin }),
      ...(options.forwardedFor ? { "X-Forwarded-For": options.forwardedFor } : {}),
    },
    body: "{}",
  });
}

/** A signed-in guest of `tenant` calling the chat API the way the SDK does. */
async function guestOf(tenant: TestTenant) {
  const token = await signInAsGuest(server.url, { publishableKey: tenant.publishableKey, origin: tenant.origin });
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...siteHeaders({ publishableKey: tenant.publishableKey, origin: tenant.origin }) };
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, { method, headers: { ...headers, ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get(HEADER.retryAfter), body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    createChat: (extra: Record<string, string> = {}) => call("POST", API_PATH.chats, {}, extra),
    async newChat(): Promise<string> {
      const created = await call("POST", API_PATH.chats, {});
      expect(created.status).toBe(201);
      return created.body.id as string;
    },
    send: (chatId: string, clientMessageId = randomUUID()) => call("POST", API_PATH.messages(chatId), { clientMessageId, text: "hello" }),
  };
}

function expectLimited(reply: { status: number; body: any; retryAfter?: string | null; headers?: AddressedReply["headers"] }, limit: string, maxSeconds: number) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(429);
  expect(reply.body.error.code).toBe("rate_limited");
  expect(reply.body.error.message).toContain(limit);
  const retryAfter = Number(reply.retryAfter ?? reply.headers?.["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(Math.ceil(reply.body.error.retryAfterMs / 1000)).toBe(retryAfter);
}

describe("sign-ins per client address, per site", () => {
  it("refuses the sign-in past the limit; another site and another address sign in", async () => {
    const [shop, other] = await Promise.all([site({ signInsPerMinute: 3 }), site({ signInsPerMinute: 3 })]);
    for (let i = 0; i < 3; i++) expect((await signIn(shop)).status).toBe(200);
    expectLimited(await signIn(shop), "signInsPerMinute", 60);
    // The JWT exchange shares the bucket: refused before the token is even looked at.
    const jwt = await requestFrom("127.0.0.1", `${server.url}${API_PATH.signInJwt}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...siteHeaders({ publishableKey: shop.publishableKey, origin: shop.origin }) },
      body: JSON.stringify({ token: "not-a-jwt" }),
    });
    expectLimited(jwt, "signInsPerMinute", 60);

    // One flooded site locks out nobody elsewhere: the bucket is (site, address).
    expect((await signIn(other)).status).toBe(200);
    expect((await signIn(shop, { from: "127.0.0.3" })).status).toBe(200);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const shop = await site({ signInsPerMinute: 2 });
    expect((await signIn(shop, { forwardedFor: "198.51.100.1" })).status).toBe(200);
    expect((await signIn(shop, { forwardedFor: "198.51.100.2" })).status).toBe(200);
    // A fresh made-up address per request would have bypassed a limiter that believed it.
    expectLimited(await signIn(shop, { forwardedFor: "198.51.100.3" }), "signInsPerMinute", 60);
    expectLimited(await signIn(shop), "signInsPerMinute", 60);
  });

  it("counts the client named by a trusted proxy: the right-most address it did not add itself", async () => {
    const shop = await site({ signInsPerMinute: 2 });
    const client = "203.0.113.7";
    expect((await signIn(shop, { from: PROXY, forwardedFor: client })).status).toBe(200);
    // A client prepending its own X-Forwarded-For is still counted as what the proxy saw.
    expect((await signIn(shop, { from: PROXY, forwardedFor: `192.0.2.1, ${client}` })).status).toBe(200);
    expectLimited(await signIn(shop, { from: PROXY, forwardedFor: `192.0.2.2, ${client}` }), "signInsPerMinute", 60);
    // Other clients behind the same proxy, and the proxy's own requests, have their own buckets.
    expect((await signIn(shop, { from: PROXY, forwardedFor: "203.0.113.8" })).status).toBe(200);
    expect((await signIn(shop, { from: PROXY })).status).toBe(200);
    // IPv6 clients count by /64: another address of the same subscriber shares its bucket.
    expect((await signIn(shop, { from: PROXY, forwardedFor: "2001:db8:1:2::1" })).status).toBe(200);
    expect((await signIn(shop, { from: PROXY, forwardedFor: "2001:db8:1:2::ffff" })).status).toBe(200);
    expectLimited(await signIn(shop, { from: PROXY, forwardedFor: "2001:db8:1:2:aaaa::3" }), "signInsPerMinute", 60);
    expect((await signIn(shop, { from: PROXY, forwardedFor: "2001:db8:1:3::1" })).status).toBe(200);
  });
});

describe("sends per user and per site", () => {
  it("refuses a user's send past sendsPerMinute, the site's past tenantSendsPerMinute; retries are free", async () => {
    const [shop, other] = await Promise.all([site({ sendsPerMinute: 2, tenantSendsPerMinute: 3 }), site({})]);
    const alice = await guestOf(shop);
    const chat = await alice.newChat();
    const first = randomUUID();
    expect((await alice.send(chat, first)).status).toBe(202);
    await server.idle();
    // The same message again (a client retry) is the same turn and costs nothing.
    expect((await alice.send(chat, first)).status).toBe(202);
    expect((await alice.send(chat)).status).toBe(202);
    await server.idle();
    expectLimited(await alice.send(chat), "sendsPerMinute", 60);

    const bob = await guestOf(shop);
    expect((await bob.send(await bob.newChat())).status).toBe(202);
    const carol = await guestOf(shop);
    expectLimited(await carol.send(await carol.newChat()), "tenantSendsPerMinute", 60);
    // Another site's users send as before.
    const dave = await guestOf(other);
    expect((await dave.send(await dave.newChat())).status).toBe(202);
    await server.idle();
  });

  it("counts a regenerate as a send: its retry is free, a refused one (a user message) costs nothing, past the limit it is 429", async () => {
    const shop = await site({ sendsPerMinute: 3 });
    const alice = await guestOf(shop);
    const chat = await alice.newChat();
    const sent = await alice.send(chat);
    expect(sent.status).toBe(202);
    await server.idle();
    const regenerate = (messageId: string, clientMessageId = randomUUID()) => alice.call("POST", API_PATH.regenerate(chat, messageId), { clientMessageId });
    const again = randomUUID();
    expect((await regenerate(sent.body.assistantMessageId, again)).status).toBe(202);
    await server.idle();
    expect((await regenerate(sent.body.assistantMessageId, again)).status).toBe(202);
    expect((await regenerate(sent.body.userMessageId)).status).toBe(400);
    expect((await regenerate(sent.body.assistantMessageId)).status).toBe(202);
    await server.idle();
    expectLimited(await regenerate(sent.body.assistantMessageId), "sendsPerMinute", 60);
  });

  it("counts nothing for a send to a chat that is not the user's", async () => {
    const shop = await site({ sendsPerMinute: 1 });
    const [alice, bob] = [await guestOf(shop), await guestOf(shop)];
    const bobs = await bob.newChat();
    expect((await alice.send(bobs)).status).toBe(404);
    expect((await alice.send("chat_does-not-exist")).status).toBe(404);
    expect((await alice.send(await alice.newChat())).status).toBe(202);
    await server.idle();
  });

  it("refuses a new answer while the user has runningAnswersPerUser running elsewhere", async () => {
    const shop = await site({ runningAnswersPerUser: 1 });
    const alice = await guestOf(shop);
    const bob = await guestOf(shop);
    const [one, two, bobs] = [await alice.newChat(), await alice.newChat(), await bob.newChat()];
    server.modelGate!.hold();
    try {
      expect((await alice.send(one)).status).toBe(202);
      expectLimited(await alice.send(two), "runningAnswersPerUser", 5);
      expect((await bob.send(bobs)).status).toBe(202);
    } finally {
      server.modelGate!.open();
    }
    await server.idle();
    expect((await alice.send(two)).status).toBe(202);
    await server.idle();
  });
});

describe("chats per user per day", () => {
  it("refuses the chat past chatsPerDay (retry in hours); a retried create costs nothing; another user creates", async () => {
    const shop = await site({ chatsPerDay: 2 });
    const alice = await guestOf(shop);
    const first = await alice.createChat({ [HEADER.idempotencyKey]: "first" });
    expect(first.status).toBe(201);
    const again = await alice.createChat({ [HEADER.idempotencyKey]: "first" });
    expect(again.body.id).toBe(first.body.id);
    expect((await alice.createChat()).status).toBe(201);
    const refused = await alice.createChat();
    expectLimited(refused, "chatsPerDay", 24 * 3600);
    expect(Number(refused.retryAfter)).toBeGreaterThan(23 * 3600);
    expect((await (await guestOf(shop)).createChat()).status).toBe(201);
  });
});

describe("limits in the admin API", () => {
  it("shows a tenant's limits; a secret key may tighten them but not loosen them; bad values are 400", async () => {
    const shop = await createTestTenant(server.services, { origin: "https://limits.example" });
    expect((await admin("GET", `/tenants/${shop.id}`, shop.secretKey)).body.limits).toEqual({});
    const tightened = await admin("PATCH", `/tenants/${shop.id}`, shop.secretKey, { limits: { sendsPerMinute: 5, chatsPerDay: 10 } });
    expect(tightened.status).toBe(200);
    expect(tightened.body.limits).toEqual({ sendsPerMinute: 5, chatsPerDay: 10 });
    for (const looser of [{ sendsPerMinute: 1_000 }, { tailsPerUser: 0 }]) {
      const refused = await admin("PATCH", `/tenants/${shop.id}`, shop.secretKey, { limits: looser });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
      expect(refused.body.error.message).toContain(`limits.${Object.keys(looser)[0]}`);
    }
    expect((await admin("PATCH", `/tenants/${shop.id}`, OPERATOR_KEY, { limits: { sendsPerMinute: 1_000 } })).body.limits).toEqual({ sendsPerMinute: 1_000 });
    for (const bad of [{ sendsPerMinute: -1 }, { sendsPerMinute: 1.5 }, { sendsPerMinute: "5" }, { tailsPerProcess: 5 }, { sendsPerMinute: 10_000_000 }]) {
      const refused = await admin("PATCH", `/tenants/${shop.id}`, OPERATOR_KEY, { limits: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe("the OpenAPI document", () => {
  it("lists 429 on every route a limit can refuse", async () => {
    const document = await (await fetch(`${server.url}${API_PATH.openapi}`)).json();
    const limited = [
      ["post", "/v1/auth/sign-in/anonymous"],
      ["post", "/v1/auth/sign-in/jwt"],
      ["post", "/v1/chats"],
      ["post", "/v1/chats/{chatId}/messages"],
      ["post", "/v1/chats/{chatId}/messages/{messageId}/regenerate"],
      ["get", "/v1/chats/{chatId}/events"],
    ] as const;
    for (const [method, path] of limited) expect(Object.keys(document.paths[path][method].responses), `${method} ${path}`).toContain("429");
  });
});
