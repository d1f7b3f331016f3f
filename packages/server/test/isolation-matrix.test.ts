/**
 * The isolation matrix, generated from the app's own route table: every browser-facing
 * endpoint × every way of knocking on someone else's door (another user of the same site, a
 * user of another site, a secret key in a page, a revoked key, no key, an expired or foreign
 * JWT as a bearer, a publishable key from a wrong origin, a session with another site's key).
 * Each case must be denied with its status and code, leak nothing of the victim's chat, and
 * leave the victim's data as it was. A route added later joins the matrix by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { API_PATH, HEADER } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";

const SECRET_A = "site-a-signing-secret-0123456789-abcdef";
const SECRET_B = "site-b-signing-secret-0123456789-abcdef";
const VICTIM_TITLE = "victim's private chat";
const VICTIM_TEXT = "my secret question";

let server: TestServer;
let siteA: TestTenant;
let siteB: TestTenant;
let revokedKey: string;
let victimChat: string;
/** The victim's answer: the message of the routes about one message (`:messageId`). */
let victimAnswer: string;

interface Attempt {
  token?: string;
  key?: string;
  origin?: string;
  /** The JWT a sign-in-with-JWT attempt presents. */
  jwt?: string;
}

type Expectation = { status: number; code?: string } | "own-data-only";

interface Context {
  name: string;
  make(): Promise<Attempt>;
  /** For routes about one chat (`:chatId`) and for collection routes. */
  expect(route: Route): Expectation;
}

interface Route {
  method: string;
  path: string;
}

const jwt = (secret: string, sub: string, exp: number) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt(exp - 300).setExpirationTime(exp).sign(new TextEncoder().encode(secret));
const now = () => Math.floor(Date.now() / 1000);

async function sessionOf(site: TestTenant, secret: string, sub: string): Promise<string> {
  const response = await fetch(`${server.url}${API_PATH.signInJwt}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...siteHeaders({ publishableKey: site.publishableKey }) },
    body: JSON.stringify({ token: await jwt(secret, sub, now() + 300) }),
  });
  if (response.status !== 200) throw new Error(`sign-in: ${response.status} ${await response.text()}`);
  return (await response.json()).token;
}

const isChatRoute = (route: Route) => route.path.includes(":chatId");
const isSignIn = (route: Route) => route.path.startsWith(`${API_PATH.auth}/sign-in`);
/** Signing out a session that is not valid is a no-op success (idempotent), not a leak. */
const isSessionRoute = (route: Route) => route.path === API_PATH.getSession || route.path === API_PATH.signOut;

/** Someone with a valid session of their own: sees only their own data, never the victim's. */
function ownSession(route: Route): Expectation {
  if (isChatRoute(route)) return { status: 404, code: "chat_not_found" };
  return "own-data-only";
}

const CONTEXTS: Context[] = [
  { name: "another user of the same site", make: async () => ({ token: await sessionOf(siteA, SECRET_A, "neighbour"), key: siteA.publishableKey, origin: siteA.origin }), expect: ownSession },
  { name: "a user of another site", make: async () => ({ token: await sessionOf(siteB, SECRET_B, "stranger"), key: siteB.publishableKey, origin: siteB.origin }), expect: ownSession },
  { name: "a secret key in the page", make: async () => ({ token: await sessionOf(siteA, SECRET_A, "victim"), key: siteA.secretKey }), expect: () => ({ status: 401, code: "invalid_key" }) },
  { name: "a revoked key", make: async () => ({ token: await sessionOf(siteA, SECRET_A, "victim"), key: revokedKey }), expect: () => ({ status: 401, code: "invalid_key" }) },
  { name: "no key", make: async () => ({ token: await sessionOf(siteA, SECRET_A, "victim") }), expect: () => ({ status: 401, code: "publishable_key_required" }) },
  {
    name: "an expired JWT",
    make: async () => {
      const expired = await jwt(SECRET_A, "victim", now() - 600);
      return { token: expired, key: siteA.publishableKey, jwt: expired };
    },
    expect: (route) => (route.path === API_PATH.signInJwt ? { status: 401, code: "invalid_user_token" } : isSignIn(route) || isSessionRoute(route) ? "own-data-only" : { status: 401, code: "unauthorized" }),
  },
  {
    name: "a JWT signed by another site",
    make: async () => {
      const foreign = await jwt(SECRET_B, "victim", now() + 300);
      return { token: foreign, key: siteA.publishableKey, jwt: foreign };
    },
    expect: (route) => (route.path === API_PATH.signInJwt ? { status: 401, code: "invalid_user_token" } : isSignIn(route) || isSessionRoute(route) ? "own-data-only" : { status: 401, code: "unauthorized" }),
  },
  { name: "a publishable key from a wrong origin", make: async () => ({ token: await sessionOf(siteA, SECRET_A, "victim"), key: siteA.publishableKey, origin: "https://evil.example" }), expect: () => ({ status: 403, code: "origin_not_allowed" }) },
  {
    name: "a session with another site's key",
    make: async () => ({ token: await sessionOf(siteA, SECRET_A, "victim"), key: siteB.publishableKey, origin: siteB.origin }),
    expect: (route) => (isSignIn(route) ? "own-data-only" : route.path === API_PATH.getSession ? "own-data-only" : { status: 401, code: "session_tenant_mismatch" }),
  },
];

beforeAll(async () => {
  server = await startTestServer();
  siteA = await createTestTenant(server.services, { origin: "https://a.example", jwtSecret: SECRET_A });
  siteB = await createTestTenant(server.services, { origin: "https://b.example", jwtSecret: SECRET_B });
  const revoked = await server.services.tenants.createKey(siteA.id, "publishable");
  await server.services.tenants.revokeKey(siteA.id, revoked.id);
  revokedKey = revoked.key;
  const victim = await sessionOf(siteA, SECRET_A, "victim");
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${victim}`, ...siteHeaders({ publishableKey: siteA.publishableKey }) };
  victimChat = (await (await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers, body: JSON.stringify({ title: VICTIM_TITLE }) })).json()).id;
  server.model.enqueue({ tokens: ["a private ", "answer"] });
  const sent = await fetch(`${server.url}${API_PATH.messages(victimChat)}`, { method: "POST", headers, body: JSON.stringify({ clientMessageId: "v1", text: VICTIM_TEXT }) });
  expect(sent.status).toBe(202);
  victimAnswer = (await sent.json()).assistantMessageId;
  await server.idle();
}, 60_000);
afterAll(() => server?.close());

/** Browser-facing routes, straight from the app's route table (middleware entries are "ALL"). */
function browserRoutes(): Route[] {
  const seen = new Set<string>();
  const routes: Route[] = [];
  for (const { method, path } of server.server.app.routes) {
    if (method === "ALL" || !(path.startsWith(API_PATH.chats) || path.startsWith(API_PATH.auth))) continue;
    const id = `${method} ${path}`;
    if (!seen.has(id)) routes.push({ method, path }), seen.add(id);
  }
  return routes;
}

function bodyFor(route: Route, attempt: Attempt): unknown {
  if (route.method === "GET" || route.method === "DELETE") return undefined;
  if (route.path === API_PATH.signInJwt) return { token: attempt.jwt ?? "not-a-jwt" };
  if (route.path.endsWith("/messages")) return { clientMessageId: `attack-${Math.random().toString(36).slice(2)}`, text: "let me in" };
  if (route.path.endsWith("/regenerate")) return { clientMessageId: `attack-${Math.random().toString(36).slice(2)}` };
  if (route.path.endsWith("/feedback")) return { rating: "down", comment: "pwned" };
  if (route.method === "PATCH") return { title: "pwned" };
  return {};
}

describe("isolation matrix", () => {
  it("covers the browser-facing routes", () => {
    const routes = browserRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes).toEqual(expect.arrayContaining([`GET ${API_PATH.chats}`, `POST ${API_PATH.chats}`, `GET ${API_PATH.chats}/:chatId/events`, `POST ${API_PATH.signInJwt}`]));
    expect(routes.length).toBeGreaterThanOrEqual(10);
  });

  const cases = () => browserRoutes().flatMap((route) => CONTEXTS.map((context) => ({ route, context })));
  // Generated after the server starts: vitest collects `it.each` eagerly, so iterate inside one test per context.
  for (const context of CONTEXTS) {
    it(`denies ${context.name} on every route`, async () => {
      const failures: string[] = [];
      for (const { route } of cases().filter((c) => c.context === context)) {
        const attempt = await context.make();
        const path = route.path.replace(":chatId", victimChat).replace(":messageId", victimAnswer);
        const headers: Record<string, string> = { "Content-Type": "application/json", ...siteHeaders({ publishableKey: attempt.key, origin: attempt.origin }) };
        if (attempt.token) headers.Authorization = `Bearer ${attempt.token}`;
        const body = bodyFor(route, attempt);
        const query = path.endsWith("/events") ? "?offset=-1" : "";
        const response = await fetch(`${server.url}${path}${query}`, { method: route.method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await response.text();
        const expected = context.expect(route);
        const label = `${route.method} ${route.path}`;
        // The chat id is the attacker's own input (echoed in a 404 message); a success must not carry it.
        if ((response.ok && text.includes(victimChat)) || text.includes(VICTIM_TITLE) || text.includes(VICTIM_TEXT)) failures.push(`${label}: leaked the victim's chat: ${text.slice(0, 200)}`);
        if (expected === "own-data-only") {
          if (response.status >= 500) failures.push(`${label}: ${response.status}`);
          continue;
        }
        const code = text.startsWith("{") ? JSON.parse(text)?.error?.code : undefined;
        if (response.status !== expected.status || (expected.code && code !== expected.code)) {
          failures.push(`${label}: expected ${expected.status} ${expected.code ?? ""}, got ${response.status} ${code ?? text.slice(0, 120)}`);
        }
      }
      expect(failures).toEqual([]);
    }, 60_000);
  }

  it("denies every way in on every admin route", async () => {
    const revokedSecret = await server.services.tenants.createKey(siteA.id, "secret");
    await server.services.tenants.revokeKey(siteA.id, revokedSecret.id);
    const victimUser = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: victimChat } })).userId;
    const keyOfA = (await server.services.tenants.listKeys(siteA.id))[0]!.id;
    const routes = [...new Set(server.server.app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith(API_PATH.admin)).map((r) => `${r.method} ${r.path}`))];
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const denied = { status: 401, code: "invalid_key" };
    const ways: Array<[string, () => Promise<string | undefined>, (path: string, method: string) => Expectation]> = [
      ["no key", async () => undefined, () => denied],
      ["a publishable key", async () => siteA.publishableKey, () => denied],
      ["a revoked secret key", async () => revokedSecret.key, () => denied],
      ["an end user's session", () => sessionOf(siteA, SECRET_A, "victim"), () => denied],
      ["an expired JWT", () => jwt(SECRET_A, "victim", now() - 600), () => denied],
      [
        "another site's secret key",
        async () => siteB.secretKey,
        // Outside a tenant: creating (POST) and the operator's billing stream are the operator's alone.
        (path, method) =>
          path.includes(":tenantId") ? { status: 404, code: "tenant_not_found" } : method === "POST" || path === `${API_PATH.admin}/billing/events` ? { status: 403, code: "forbidden" } : "own-data-only",
      ],
    ];
    const failures: string[] = [];
    for (const [name, bearer, expect_] of ways) {
      for (const route of routes) {
        const [method, template] = route.split(" ") as [string, string];
        const path = template.replace(":tenantId", siteA.id).replace(":userId", victimUser).replace(":chatId", victimChat).replace(":keyId", keyOfA);
        const token = await bearer();
        const body = method === "GET" || method === "DELETE" ? undefined : JSON.stringify(template.endsWith("/keys") ? { kind: "publishable" } : { name: "pwned" });
        const response = await fetch(`${server.url}${path}`, { method, headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body });
        const text = await response.text();
        const expected = expect_(template, method);
        if (text.includes(VICTIM_TITLE) || text.includes(VICTIM_TEXT) || (response.ok && (text.includes(siteA.id) || text.includes(victimUser)))) failures.push(`${name} ${route}: leaked ${text.slice(0, 160)}`);
        if (expected === "own-data-only") {
          if (!response.ok) failures.push(`${name} ${route}: ${response.status}`);
          continue;
        }
        const code = text.startsWith("{") ? JSON.parse(text)?.error?.code : undefined;
        if (response.status !== expected.status || code !== expected.code) failures.push(`${name} ${route}: expected ${expected.status} ${expected.code}, got ${response.status} ${code ?? text.slice(0, 100)}`);
      }
    }
    expect(failures).toEqual([]);
    // Nothing changed on site A.
    expect((await server.services.tenants.get(siteA.id))?.name).not.toBe("pwned");
    expect((await server.services.tenants.listKeys(siteA.id)).find((k) => k.id === keyOfA)?.revokedAt).toBeNull();
    expect(await server.services.prisma.user.count({ where: { id: victimUser } })).toBe(1);
  }, 60_000);

  it("left the victim's chat as it was", async () => {
    const victim = await sessionOf(siteA, SECRET_A, "victim");
    const headers = { Authorization: `Bearer ${victim}`, [HEADER.publishableKey]: siteA.publishableKey };
    const chat = await (await fetch(`${server.url}${API_PATH.chat(victimChat)}`, { headers })).json();
    expect(chat.title).toBe(VICTIM_TITLE);
    const log = await readLog(server.url, victim, victimChat, "-1", { publishableKey: siteA.publishableKey });
    expect(log.state.messages.map((m) => m.text)).toEqual([VICTIM_TEXT, "a private answer"]);
    expect(log.events.map((e) => e.type)).not.toContain("message.feedback");
    expect(await server.services.prisma.feedback.count()).toBe(0);
    // A guest of the same site is another user too.
    const guest = await signInAsGuest(server.url, { publishableKey: siteA.publishableKey });
    const probe = await fetch(`${server.url}${API_PATH.chat(victimChat)}`, { headers: { Authorization: `Bearer ${guest}`, [HEADER.publishableKey]: siteA.publishableKey } });
    expect(probe.status).toBe(404);
  });
});
