/**
 * The API is bearer-only: a session cookie authenticates nothing (a cross-site form post that
 * carries it is refused), Better Auth sets no cookie, and its errors leave in the API's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe("bearer tokens only", () => {
  it("refuses a session cookie on the chat API, even in a cross-site-shaped text/plain POST", async () => {
    const token = await signInAsGuest(server.url);
    for (const name of ["better-auth.session_token", "__Secure-better-auth.session_token"]) {
      const response = await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: { "Content-Type": "text/plain", Cookie: `${name}=${token}`, Origin: "https://evil.example" }, body: "{}" });
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe("unauthorized");
    }
    expect(await server.services.prisma.chat.count()).toBe(0);
    // The same token as a bearer works.
    const ok = await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: "{}" });
    expect(ok.status).toBe(201);
  });

  it("sets no cookie at sign-in and keeps the token out of caches", async () => {
    const response = await fetch(`${server.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(response.status).toBe(200);
    expect(response.headers.get(HEADER.authToken)).toBeTruthy();
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("renders Better Auth's errors as { error: { code, message } }", async () => {
    const token = await signInAsGuest(server.url);
    // A guest cannot sign in as a guest again (Better Auth's own rule).
    const response = await fetch(`${server.url}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: "{}" });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const body = await response.json();
    expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it("exposes nothing else of Better Auth", async () => {
    const token = await signInAsGuest(server.url);
    for (const path of ["/v1/auth/update-user", "/v1/auth/list-sessions", "/v1/auth/delete-user", "/v1/auth/sign-up/email", "/v1/auth/ok"]) {
      const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: JSON.stringify({ name: "x" }) });
      expect(response.status, path).toBe(404);
      expect((await response.json()).error.code).toBe("not_found");
    }
  });
});
