/**
 * Under NODE_ENV=production Better Auth turned on its own rate limiter: behind no proxy every
 * client fell in ONE bucket (any client could lock out all sign-ins) and a made-up
 * X-Forwarded-For got around it. It is off now; ours counts per client address per site.
 *
 * Better Auth reads NODE_ENV once, when it is loaded: this file sets it before loading the
 * server (vitest gives each test file its own modules).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { API_PATH } from "@open-chat/shared";
import type { TestServer } from "@open-chat/testing";
import { requestFrom } from "./helpers/from-address.js";

const previous = process.env.NODE_ENV;
let server: TestServer;

beforeAll(async () => {
  process.env.NODE_ENV = "production";
  const { startTestServer, TEST_LIMITS } = await import("@open-chat/testing");
  server = await startTestServer({ settings: { limits: { ...TEST_LIMITS, signInsPerMinute: 6 } } });
}, 60_000);
afterAll(async () => {
  await server?.close();
  process.env.NODE_ENV = previous;
});

const signIn = (from: string, forwardedFor?: string) =>
  requestFrom(from, `${server.url}${API_PATH.signInAnonymous}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(forwardedFor ? { "X-Forwarded-For": forwardedFor } : {}) },
    body: "{}",
  });

it("limits sign-ins per client address with our limiter, not Better Auth's shared bucket", async () => {
  const { createAuth } = await import("../src/auth/auth.js");
  expect(createAuth({ prisma: server.services.prisma as never, secret: "x".repeat(32), baseURL: "http://127.0.0.1" }).options.rateLimit).toEqual({ enabled: false });
  // Better Auth's rule for /sign-in allowed 3 per 10 s for everyone together; ours allows each
  // address 6 per minute on this site.
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await signIn(i % 2 ? "127.0.0.1" : "127.0.0.3")).status);
  for (let i = 0; i < 3; i++) statuses.push((await signIn("127.0.0.1")).status);
  expect(statuses).toEqual(Array(9).fill(200));
  // A made-up X-Forwarded-For does not open a new bucket.
  const refused = await signIn("127.0.0.1", "198.51.100.200");
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: "rate_limited", message: expect.stringContaining("signInsPerMinute") });
  // Another client is not locked out by the first one's flood.
  expect((await signIn("127.0.0.2")).status).toBe(200);
});
