/**
 * Two app servers on one Postgres database share their rate-limit counts (rate_limit table):
 * a client cannot multiply its allowance by spreading requests over the servers behind a load
 * balancer. Live-tail slots, by design, are per process.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { API_PATH } from "@open-chat/shared";
import { createTestDatabase, startTestServer, TEST_LIMITS, type TestDatabase, type TestServer } from "@open-chat/testing";
import { requestFrom } from "./helpers/from-address.js";

let database: TestDatabase;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  const settings = { limits: { ...TEST_LIMITS, signInsPerMinute: 4, sendsPerMinute: 3 } };
  [a, b] = await Promise.all([startTestServer({ database, settings }), startTestServer({ database, settings })]);
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

const signIn = (server: TestServer) => fetch(`${server.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });

it("counts sign-ins from one address once across both servers", async () => {
  expect(a.services.limits.counters.kind).toBe("postgres");
  const statuses = [];
  for (const server of [a, b, a, b]) statuses.push((await signIn(server)).status);
  expect(statuses).toEqual([200, 200, 200, 200]);
  for (const server of [a, b]) {
    const refused = await signIn(server);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe("rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  }
  const rows = await a.services.prisma.rateLimit.findMany({ where: { key: { startsWith: "signin:" } } });
  expect(rows).toEqual([expect.objectContaining({ key: "signin:default:127.0.0.1", points: 6 })]);
});

it("counts a user's sends once across both servers", async () => {
  // Another client address: 127.0.0.1 used its sign-ins above.
  const signedIn = await requestFrom("127.0.0.2", `${a.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  const token = signedIn.headers["set-auth-token"];
  expect(signedIn.status).toBe(200);
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const send = async (server: TestServer) => {
    const chat = await (await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers, body: "{}" })).json();
    return (await fetch(`${server.url}${API_PATH.messages(chat.id)}`, { method: "POST", headers, body: JSON.stringify({ clientMessageId: "m1", text: "hi" }) })).status;
  };
  expect([await send(a), await send(b), await send(a)]).toEqual([202, 202, 202]);
  expect(await send(b)).toBe(429);
  await Promise.all([a.idle(), b.idle()]);
}, 30_000);
