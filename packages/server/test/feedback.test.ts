/**
 * Feedback on answers end to end: the end user's 👍/👎 goes to the log first (the fold shows
 * it) and then to Postgres; the latest wins, also when two writes of the row arrive out of log
 * order; `null` clears it. The admin API lists a tenant's feedback newest first, by rating, page
 * by page — to that tenant's secret key and the operator key only; `open-chat feedback list`
 * prints the same. Deleting the end user deletes their feedback.
 */
import { API_PATH, EVENT_TYPE } from "@open-chat/shared";
import { createTestTenant, readLog, signInAsGuest, siteHeaders, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperatorCommand, type OperatorIo } from "../src/cli/operator.js";

const OPERATOR_KEY = "op_feedback_test_0123456789abcdef0123456789";

let server: TestServer;
let siteA: TestTenant;
let siteB: TestTenant;
let token: string;
let chatId: string;
const answers: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...siteHeaders({ publishableKey: siteA.publishableKey, origin: siteA.origin }), Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** GET the tenant's feedback with `key` as the bearer (null: no key). */
async function admin(query: string, key: string | null = siteA.secretKey, tenantId = siteA.id) {
  const response = await fetch(`${server.url}${API_PATH.admin}/tenants/${tenantId}/feedback${query}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  return { status: response.status, body: await response.json() };
}

const rate = async (messageId: string, body: object) => {
  const reply = await call("POST", API_PATH.feedback(chatId, messageId), body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as { offset: string };
};
const log = () => readLog(server.url, token, chatId, undefined, { publishableKey: siteA.publishableKey, origin: siteA.origin });

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  siteA = await createTestTenant(server.services, { origin: "https://a.example" });
  siteB = await createTestTenant(server.services, { origin: "https://b.example" });
  token = await signInAsGuest(server.url, { publishableKey: siteA.publishableKey, origin: siteA.origin });
  chatId = (await call("POST", API_PATH.chats, {})).body.id;
  for (const [i, text] of ["first", "second", "third"].entries()) {
    const sent = await call("POST", API_PATH.messages(chatId), { clientMessageId: `c${i}`, text });
    expect(sent.status).toBe(202);
    await server.idle();
    answers.push(sent.body.assistantMessageId);
  }
}, 60_000);
afterAll(() => server?.close());

describe("feedback", () => {
  it("goes to the log first, then to the answer's row; the latest wins and null clears", async () => {
    const { offset } = await rate(answers[0]!, { rating: "up", comment: "clear and\nshort" });
    const { state, events } = await log();
    expect(events.at(-1)).toMatchObject({ type: EVENT_TYPE.messageFeedback, messageId: answers[0], rating: "up", comment: "clear and\nshort" });
    expect(state.messages.find((m) => m.id === answers[0])?.feedback).toEqual({ rating: "up", comment: "clear and\nshort" });
    // The offset answered is after the event: the tail reads nothing older from it.
    expect((await readLog(server.url, token, chatId, offset, { publishableKey: siteA.publishableKey, origin: siteA.origin })).events).toEqual([]);
    const first = await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answers[0]! } });
    expect(first).toMatchObject({ tenantId: siteA.id, chatId, rating: "up", comment: "clear and\nshort" });

    await rate(answers[0]!, { rating: "down" });
    const changed = await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answers[0]! } });
    expect(changed).toMatchObject({ rating: "down", comment: null, createdAt: first.createdAt });
    expect((await log()).state.messages.find((m) => m.id === answers[0])?.feedback).toEqual({ rating: "down" });

    await rate(answers[2]!, { rating: "up" });
    await rate(answers[2]!, { rating: null });
    expect((await log()).state.messages.find((m) => m.id === answers[2])?.feedback).toBeUndefined();
    expect(await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answers[2]! } })).toMatchObject({ rating: null, comment: null });
  });

  it("a row write that arrives after a later one does not overwrite it (log order wins)", async () => {
    const row = await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answers[0]! } });
    expect(row.logStream).toMatch(/#/);
    await server.services.feedback.record({ tenantId: siteA.id, chatId, messageId: answers[0]!, rating: "up", comment: "stale", logOffset: "0", logStream: row.logStream });
    expect(await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answers[0]! } })).toEqual(row);
  });

  it("after a guest's chats move to the verified user's stream, the next feedback still takes the row", async () => {
    const SECRET = "feedback-site-signing-secret-0123456789";
    const site = await createTestTenant(server.services, { origin: "https://c.example", jwtSecret: SECRET });
    const headers = (as: string) => ({ ...siteHeaders({ publishableKey: site.publishableKey, origin: site.origin }), Authorization: `Bearer ${as}`, "Content-Type": "application/json" });
    const post = async (as: string, path: string, body: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method: "POST", headers: headers(as), body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    const guest = await signInAsGuest(server.url, { publishableKey: site.publishableKey, origin: site.origin });
    // A long chat the guest deleted stays behind in the guest's stream: the offsets of the chat
    // that moves run far ahead of the ones it gets in the verified user's new stream.
    const gone = (await post(guest, API_PATH.chats, {})).body.id as string;
    expect((await post(guest, API_PATH.messages(gone), { clientMessageId: "g1", text: "long [[tokens:400]]" })).status).toBe(202);
    await server.idle();
    expect((await fetch(`${server.url}${API_PATH.chat(gone)}`, { method: "DELETE", headers: headers(guest) })).status).toBe(204);
    const chat = (await post(guest, API_PATH.chats, {})).body.id as string;
    const sent = await post(guest, API_PATH.messages(chat), { clientMessageId: "m1", text: "rate me" });
    await server.idle();
    const answer = sent.body.assistantMessageId as string;
    expect((await post(guest, API_PATH.feedback(chat, answer), { rating: "up" })).status).toBe(200);
    const before = await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answer } });

    const jwt = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("customer-1").setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(SECRET));
    const signedIn = await post(guest, API_PATH.signInJwt, { token: jwt });
    expect([signedIn.status, signedIn.body.merged]).toEqual([200, { chats: 1 }]);
    expect((await post(signedIn.body.token, API_PATH.feedback(chat, answer), { rating: "down", comment: "after the move" })).status).toBe(200);
    const after = await server.services.prisma.feedback.findUniqueOrThrow({ where: { messageId: answer } });
    expect(after).toMatchObject({ rating: "down", comment: "after the move" });
    expect(after.logStream).not.toBe(before.logStream);
  });

  it("the admin API lists the tenant's current feedback newest first, by rating, page by page", async () => {
    await rate(answers[1]!, { rating: "up", comment: "nice" });
    const userId = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } })).userId;

    const all = await admin("");
    expect(all.status).toBe(200);
    expect(all.body.feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[1], answers[0]]); // the cleared one is left out
    expect(all.body.feedback[0]).toEqual({ userId, chatId, messageId: answers[1], rating: "up", comment: "nice", createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(all.body.nextCursor).toBeNull();
    expect((await admin("?rating=down")).body.feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[0]]);
    expect((await admin("?rating=up")).body.feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[1]]);

    const page1 = await admin("?limit=1");
    expect(page1.body.feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[1]]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await admin(`?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[0]]);
    expect(page2.body.nextCursor).toBeNull();

    // The operator sees the same; another tenant's secret key finds no such tenant.
    expect((await admin("", OPERATOR_KEY)).body).toEqual(all.body);
    const foreign = await admin("", siteB.secretKey);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, "tenant_not_found"]);
    expect((await admin("", siteB.secretKey, siteB.id)).body).toEqual({ feedback: [], nextCursor: null });
    const anonymous = await admin("", null);
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "invalid_key"]);
    const publishable = await admin("", siteA.publishableKey);
    expect(publishable.status).toBe(401);
  });

  it("the admin API refuses bad queries with 400 invalid_request", async () => {
    for (const query of ["?rating=meh", "?limit=0", "?limit=101", "?limit=x", "?cursor=not-a-cursor", `?cursor=${"a".repeat(600)}`]) {
      const reply = await admin(query);
      expect([query, reply.status, reply.body.error?.code]).toEqual([query, 400, "invalid_request"]);
    }
  });

  it("open-chat feedback list prints the same (a table, or --json), one page at a time", async () => {
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: OperatorIo = {
        env: { DATABASE_URL: server.database.url, STREAMS_URL: "", ENCRYPTION_KEY: "", OPERATOR_KEY: "" },
        stdin: { isTTY: false, read: async () => "" },
        stdout: (text) => void out.push(text),
        stderr: (text) => void err.push(text),
      };
      return { code: await runOperatorCommand(["feedback", "list", ...args], io), out: out.join("\n"), err: err.join("\n") };
    };
    const json = await run("--tenant", siteA.id, "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ tenantId: siteA.id, ...(await admin("")).body });

    const human = await run("--tenant", siteA.id, "--rating", "up");
    expect(human.code).toBe(0);
    const lines = human.out.split("\n");
    expect(lines[0]).toBe(`feedback of tenant ${siteA.id} (up only)`);
    expect(lines[1]).toMatch(/^RATED +RATING +USER +CHAT +MESSAGE +COMMENT$/);
    expect(lines.slice(2)).toHaveLength(1);
    expect(lines[2]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +up +\\S+ +${chatId} +${answers[1]} +nice$`));

    const first = await run("--tenant", siteA.id, "--limit", "1");
    const more = first.out.split("\n").at(-1)!;
    expect(more).toMatch(/^more: --cursor \S+$/);
    const next = await run("--tenant", siteA.id, "--limit", "1", "--cursor", more.slice("more: --cursor ".length), "--json");
    expect(JSON.parse(next.out).feedback.map((f: { messageId: string }) => f.messageId)).toEqual([answers[0]]);

    for (const [args, message] of [
      [["--rating", "meh"], /--rating: "meh" is not one of up, down/],
      [["--limit", "0"], /--limit: a whole number from 1 to 100/],
      [["--cursor", "nope"], /--cursor: not a cursor this command printed/],
    ] as const) {
      const refused = await run("--tenant", siteA.id, ...args);
      expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(message)]);
    }
    const unknown = await run("--tenant", "nope-tenant");
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringMatching(/no tenant nope-tenant/)]);
  });

  it("deleting the end user deletes their feedback", async () => {
    const userId = (await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } })).userId;
    const response = await fetch(`${server.url}${API_PATH.admin}/tenants/${siteA.id}/users/${userId}`, { method: "DELETE", headers: { Authorization: `Bearer ${siteA.secretKey}` } });
    expect(response.status).toBe(200);
    expect(await server.services.prisma.feedback.count({ where: { tenantId: siteA.id } })).toBe(0);
    expect((await admin("")).body).toEqual({ feedback: [], nextCursor: null });
  });
});
