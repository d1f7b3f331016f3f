/**
 * The API fuzz suite: every operation of the server's own OpenAPI document (/v1/openapi.json),
 * first swept with the corpus of nasty values (corpus.ts) in each path parameter, query
 * parameter, header, Authorization and body, then with fast-check properties that generate
 * requests from the operation's schemas (requests.ts). End-user routes run as a guest of a site
 * (publishable key + origin), admin routes with the operator key or the site's secret key; path
 * parameters are valid ids of the caller's own objects or nasty values.
 *
 * What must hold for every request: the answer is 2xx or a 4xx carrying `{ error: { code } }` of
 * a known code — never a 5xx, never a hang (each request has a deadline) — `/healthz` keeps
 * answering, and the server's RSS stays within a bound. The suite prints the status histogram.
 *
 * Bounded for CI (FUZZ_RUNS property runs, default 1,200, on a fixed seed); longer with
 * `pnpm test:fuzz` (FUZZ_RUNS=20000), another seed with FUZZ_SEED. Rate limits are off here: the
 * suite tests input handling, and a 429 would hide the route behind it.
 */
import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_PATH, HEADER } from "@open-chat/shared";
import { DEFAULT_SETTINGS, type ServerSettings } from "@open-chat/server";
import { TEST_TAIL_SETTINGS, createTestTenant, signInAsGuest, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { corpusRequests, execute, operationsOf, requestOf, REQUEST_DEADLINE_MS, type FuzzRequest, type FuzzWorld, type Operation, type Outcome } from "./requests.js";

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 1_200);
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
/** Requests in flight at once. */
const CONCURRENCY = 8;
/**
 * How much the process (server and fuzzer share it) may grow over the whole suite, measured
 * after full garbage collections: a bound on what is kept, not a timing. Buffering the suite's
 * 20 MB uploads would pass it several times over.
 */
const RSS_BOUND = 256 * 1024 * 1024;

/** A full garbage collection, so RSS counts what is kept rather than what V8 has not yet collected. */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();
const OPERATOR_KEY = "operator-key-".padEnd(48, "f");
/** Generous enough for CI machines; the suite itself runs in well under a minute. */
const SUITE_TIMEOUT_MS = 180_000 + FUZZ_RUNS * 100;

let server: TestServer;
let shop: TestTenant;
let back: TestTenant;
let operations: Operation[];
let world: FuzzWorld;
let rssBefore: number;
const statuses = new Map<number, number>();
const findings: string[] = [];
let sent = 0;
/** The error renderer logs a value Postgres refused (http/render-error.ts): there must be none. */
const warnings = vi.spyOn(console, "warn");

/** Every rate limit and quota off (0 = off); the process tail budget stays derived from the fd limit. */
function withoutLimits(): Pick<ServerSettings, "limits"> {
  const { limits } = DEFAULT_SETTINGS;
  const off = Object.fromEntries(Object.entries(limits).map(([name, value]) => [name, typeof value === "number" ? 0 : value]));
  return { limits: off as unknown as ServerSettings["limits"] };
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`setup: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  server = await startTestServer({
    settings: { operatorKey: OPERATOR_KEY, tail: { ...TEST_TAIL_SETTINGS, longPollMs: 100 }, ...withoutLimits() },
    model: { defaultReply: () => "fuzzed" },
  });
  // The end users' site, and a second site the admin routes act on (so they cannot lock the first out).
  shop = await createTestTenant(server.services, { origin: "https://shop.example", name: "Fuzzed shop" });
  back = await createTestTenant(server.services, { origin: "https://back.example", name: "Fuzzed back office" });
  const site = (t: TestTenant) => ({ publishableKey: t.publishableKey, origin: t.origin });
  const token = await signInAsGuest(server.url, site(shop));
  const asGuest = (t: string, tenant: TestTenant) => ({ Authorization: `Bearer ${t}`, [HEADER.publishableKey]: tenant.publishableKey, Origin: tenant.origin, "Content-Type": "application/json" });
  const createChat = async (t: string, tenant: TestTenant) => (await json<{ id: string }>(await fetch(`${server.url}${API_PATH.chats}`, { method: "POST", headers: asGuest(t, tenant), body: '{"title":"fuzz"}' }))).id;

  const chatId = await createChat(token, shop);
  await createChat(token, shop);
  const sentTurn = await json<{ offset: string; assistantMessageId: string }>(await fetch(`${server.url}${API_PATH.chats}/${chatId}/messages`, { method: "POST", headers: asGuest(token, shop), body: '{"clientMessageId":"fuzz-1","text":"hello"}' }));
  const chatsCursor = (await json<{ nextCursor: string }>(await fetch(`${server.url}${API_PATH.chats}?limit=1`, { headers: asGuest(token, shop) }))).nextCursor;

  // End users of the back office for the admin routes: one to read, the rest to delete.
  const pool: Array<{ userId: string; chatId: string }> = [];
  for (let i = 0; i < 12; i++) {
    const guest = await signInAsGuest(server.url, site(back));
    const session = await json<{ user: { id: string } }>(await fetch(`${server.url}${API_PATH.getSession}`, { headers: asGuest(guest, back) }));
    pool.push({ userId: session.user.id, chatId: await createChat(guest, back) });
  }
  const [reader] = pool.splice(0, 1) as [{ userId: string; chatId: string }];
  const deleted: typeof pool = [];
  let sends = 0;
  const adminHeaders = { Authorization: `Bearer ${OPERATOR_KEY}` };
  const usersCursor = (await json<{ nextCursor: string }>(await fetch(`${server.url}${API_PATH.admin}/tenants/${back.id}/users?limit=1`, { headers: adminHeaders }))).nextCursor;

  world = {
    url: server.url,
    endUser: { token, publishableKey: shop.publishableKey, origin: shop.origin },
    admin: { operatorKey: OPERATOR_KEY, secretKey: back.secretKey },
    async validParam(op, name) {
      const deleting = op.method === "DELETE" || op.path.endsWith("/rotate");
      // The message routes (regenerate, select, feedback) act on the end user's one answer.
      if (op.caller !== "admin") return name === "chatId" ? (deleting ? createChat(token, shop) : chatId) : name === "messageId" ? sentTurn.assistantMessageId : undefined;
      switch (name) {
        case "tenantId":
          return back.id;
        case "keyId":
          return (await server.services.tenants.createKey(back.id, "secret", "fuzzed")).id;
        case "userId": {
          if (!deleting) return reader.userId;
          // Once the pool is used up, deletes name a user already deleted (404).
          const victim = pool.pop() ?? deleted[0]!;
          deleted.push(victim);
          return victim.userId;
        }
        case "chatId":
          return reader.chatId;
        default:
          return undefined;
      }
    },
    validQuery(op, name) {
      switch (name) {
        case "limit":
          return "2";
        case "cursor":
          return op.caller === "admin" ? usersCursor : chatsCursor;
        case "offset":
          return sentTurn.offset;
        case "live":
          return op.method === "GET" && sent % 2 === 0 ? "sse" : "long-poll";
        case "since":
          return "2025-01-01";
        case "until":
          return new Date().toISOString();
        default:
          return undefined;
      }
    },
    validBody(op) {
      if (op.path.endsWith("/messages")) return { clientMessageId: `fuzz-${++sends}`, text: "hello" };
      if (op.path.endsWith("/regenerate")) return { clientMessageId: `fuzz-${++sends}` };
      if (op.path.endsWith("/feedback")) return { rating: "up", comment: "fuzzed" };
      if (op.path.endsWith("/select")) return {};
      if (op.path.endsWith("/sign-in/jwt")) return { token: "not.a.jwt" };
      if (op.path.endsWith("/keys")) return { kind: "secret", name: "fuzzed" };
      if (op.path.startsWith(API_PATH.admin)) return { name: "Fuzzed" };
      if (op.path.startsWith(API_PATH.chats)) return { title: "fuzzed" };
      return {};
    },
    freshEndUserToken: () => signInAsGuest(server.url, site(shop)),
  };
  await server.idle();
  operations = operationsOf(await json(await fetch(`${server.url}${API_PATH.openapi}`)));
  collectGarbage();
  rssBefore = process.memoryUsage().rss;
}, 120_000);

afterAll(async () => {
  const histogram = Object.fromEntries([...statuses.entries()].sort(([a], [b]) => a - b));
  const fivexx = [...statuses.entries()].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0);
  console.log(`[fuzz] ${sent} requests over ${operations?.length ?? 0} operations (seed ${FUZZ_SEED}, ${FUZZ_RUNS} property runs): ${JSON.stringify(histogram)}; 5xx = ${fivexx}; findings = ${findings.length}`);
  await server?.idle();
  await server?.close();
});

/** Sends one request, counts its status, keeps a finding, and checks /healthz every 100 requests. */
async function fuzzOne(request: FuzzRequest): Promise<Outcome> {
  const outcome = await execute(world, request);
  if (outcome.status === 0) return outcome; // no valid id of that kind: nothing was sent
  sent++;
  statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
  if (outcome.finding) findings.push(outcome.finding);
  if (sent % 100 === 0) {
    collectGarbage();
    await expectHealthy();
  }
  return outcome;
}

async function expectHealthy(): Promise<void> {
  const response = await fetch(`${server.url}${API_PATH.healthz}`, { signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) });
  if (response.status !== 200) findings.push(`/healthz answered ${response.status}`);
}

/** Runs `jobs` with at most CONCURRENCY at once. */
async function inParallel<T>(items: readonly T[], job: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

describe("API fuzz", () => {
  it("covers every operation of the OpenAPI document", () => {
    const names = operations.map((op) => `${op.method} ${op.path}`);
    expect(names.length).toBeGreaterThan(25);
    for (const expected of [`POST ${API_PATH.signInAnonymous}`, `GET ${API_PATH.chats}/{chatId}/events`, `DELETE ${API_PATH.admin}/tenants/{tenantId}/users/{userId}`]) {
      expect(names).toContain(expected);
    }
  });

  it(
    "sweeps every operation with the corpus: no 5xx, every 4xx with a known code, no hang",
    async () => {
      await inParallel(operations.flatMap(corpusRequests), fuzzOne);
      expect(findings).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    "holds for generated requests (fast-check properties, one per operation)",
    async () => {
      const runs = Math.max(1, Math.ceil(FUZZ_RUNS / operations.length));
      const failures: string[] = [];
      await inParallel(
        operations.map((op, index) => ({ op, index })),
        async ({ op, index }) => {
          try {
            await fc.assert(
              fc.asyncProperty(requestOf(op), async (request) => (await fuzzOne(request)).finding === undefined),
              { numRuns: runs, seed: FUZZ_SEED + index, endOnFailure: true },
            );
          } catch (error) {
            failures.push(`${op.method} ${op.path}: ${(error as Error).message.slice(0, 2_000)}`);
          }
        },
      );
      expect(failures).toEqual([]);
      expect(findings).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );

  it(
    "refuses chunked oversize bodies on every route that takes one while /healthz answers",
    async () => {
      const withBodies = operations.filter((op) => op.method !== "GET" && op.method !== "HEAD");
      const uploads = withBodies.map((op) =>
        fuzzOne({ op, params: Object.fromEntries(op.pathParams.map((n) => [n, { valid: true as const }])), query: {}, headers: {}, auth: { kind: "own" }, siteKey: "own", origin: "own", body: { kind: "chunked", bytes: 20 * 1024 * 1024 }, contentType: "application/json" }),
      );
      await expectHealthy();
      const outcomes = await Promise.all(uploads);
      expect(outcomes.filter((o) => o.finding)).toEqual([]);
      // A route that takes a body refuses 20 MB of it; one that takes none may answer before reading it.
      expect(outcomes.filter((o, i) => withBodies[i]!.body && o.status !== 413)).toEqual([]);
      expect(findings).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );

  it("answers header abuse on the raw connection in the API's shape and closes it", async () => {
    const url = new URL(server.url);
    const rawExchange = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname);
        const received: Buffer[] = [];
        socket.setTimeout(REQUEST_DEADLINE_MS, () => socket.destroy(new Error(`no answer and no close for ${JSON.stringify(request.slice(0, 80))}`)));
        socket.on("data", (data) => received.push(data));
        socket.on("error", (error) => ((error as { code?: string }).code === "ECONNRESET" ? undefined : reject(error)));
        socket.on("close", () => resolve(Buffer.concat(received).toString("latin1")));
        socket.on("connect", () => socket.write(request));
      });
    const auth = `Authorization: Bearer ${world.endUser.token}\r\n${HEADER.publishableKey}: ${shop.publishableKey}\r\n`;
    const cases = [
      `GET ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${"b".repeat(20_000)}\r\n\r\n`,
      `GET ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}${Array.from({ length: 3_000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`,
      `POST ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nContent-Length: 200\r\n\r\n{}`,
      `POST ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      `GET ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}X-Nul: a\u0000b\r\n\r\n`,
      `GET ${API_PATH.chats}/\u0000 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
      `GET ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}Authorization: Bearer other\r\nConnection: close\r\n\r\n`,
      `GET ${API_PATH.chats} HTTP/1.1\r\nHost: x\r\n${auth}${HEADER.publishableKey}: ${back.publishableKey}\r\nConnection: close\r\n\r\n`,
      `GET /${"p".repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const request of cases) {
      const raw = await rawExchange(request);
      sent++;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      // Duplicate headers Node merges or drops may be fine; anything else is a 4xx in the API's shape.
      expect(status, raw.slice(0, 200)).toBeLessThan(500);
      if (status >= 400) {
        const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
        expect(JSON.parse(body.slice(0, body.lastIndexOf("}") + 1)).error.code, raw.slice(0, 300)).toEqual(expect.any(String));
      }
    }
  });

  it("validated every value before a query: Postgres refused none (the renderer's last line logged nothing)", () => {
    const refused = warnings.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("database refused"));
    expect(refused).toEqual([]);
  });

  it("leaves the server healthy and its memory bounded", async () => {
    await expectHealthy();
    expect(findings).toEqual([]);
    collectGarbage();
    const grown = process.memoryUsage().rss - rssBefore;
    console.log(`[fuzz] RSS grew by ${Math.round(grown / 1024 / 1024)} MB over the suite (bound ${RSS_BOUND / 1024 / 1024} MB)`);
    expect(grown).toBeLessThan(RSS_BOUND);
  });
});
