/**
 * Per-turn usage over real HTTP and real Postgres: TurnUsage rows seeded directly (two tenants,
 * several users, chats, models and days) grouped by model, UTC day, user and chat, filtered by
 * user, chat and model, windowed by [since, until); bad queries 400; another tenant's secret key
 * 404; one real answer is counted, and an answer settled again or by racing writers keeps one row
 * and one cost; and `open-chat usage` prints the same report as a table or JSON.
 */
import { API_PATH, HEADER } from "@open-chat/shared";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { runOperatorCommand, type OperatorIo } from "../src/cli/operator.js";
import { apiClient } from "./helpers/api.js";

const OPERATOR_KEY = "operator-key-".padEnd(48, "o");
const SHOP = `${API_PATH.admin}/tenants/shop`;
const WIDE = "since=2000-01-01&until=2100-01-01";

let server: TestServer;
let operator: ReturnType<typeof apiClient>;

const seeded = [
  // generationId, tenant, user, chat, model, in, out, cost, createdAt
  ["g1", "shop", "u_ann", "c_ann1", "openai/gpt-4o-mini", 100, 50, 45, "2025-03-01T10:00:00Z"],
  ["g2", "shop", "u_ann", "c_ann1", "openai/gpt-4o-mini", 200, 100, 90, "2025-03-01T23:59:59.999Z"],
  ["g3", "shop", "u_ann", "c_ann2", "anthropic/claude-3-haiku", 10, 20, 1_000_007, "2025-03-02T00:00:00Z"],
  ["g4", "shop", "u_ben", "c_ben1", "openai/gpt-4o-mini", 1, 2, 3, "2025-03-03T08:00:00+02:00"],
  ["g5", "other", "u_oth", "c_oth1", "openai/gpt-4o-mini", 999, 999, 999, "2025-03-01T12:00:00Z"],
] as const;

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  operator = apiClient(server.url, OPERATOR_KEY);
  for (const id of ["shop", "other"]) expect((await operator.call("POST", `${API_PATH.admin}/tenants`, { id, name: id })).status).toBe(201);
  await server.services.prisma.turnUsage.createMany({
    data: seeded.map(([generationId, tenantId, userId, chatId, model, inputTokens, outputTokens, cost, at]) => ({
      generationId,
      tenantId,
      userId,
      chatId,
      model,
      inputTokens,
      outputTokens,
      costMicroUsd: BigInt(cost),
      outcome: "completed",
      createdAt: new Date(at),
    })),
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const row = (key: string, turns: number, inputTokens: number, outputTokens: number, costMicroUsd: number) => ({ key, turns, inputTokens, outputTokens, costMicroUsd });

describe("GET /v1/admin/tenants/:tenantId/usage/turns", () => {
  it("groups by model by default, ordered by key, with totals; only the tenant's turns", async () => {
    const reply = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("cache-control")).toBe("no-store");
    expect(reply.body).toEqual({
      tenantId: "shop",
      since: "2000-01-01T00:00:00.000Z",
      until: "2100-01-01T00:00:00.000Z",
      groupBy: "model",
      rows: [row("anthropic/claude-3-haiku", 1, 10, 20, 1_000_007), row("openai/gpt-4o-mini", 3, 301, 152, 138)],
      totals: { turns: 4, inputTokens: 311, outputTokens: 172, costMicroUsd: 1_000_145 },
    });
  });

  it("groups by UTC day (a turn at 08:00+02:00 is 06:00 UTC that day; 23:59:59.999 stays in its day)", async () => {
    const reply = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=day`);
    expect(reply.body.rows).toEqual([row("2025-03-01", 2, 300, 150, 135), row("2025-03-02", 1, 10, 20, 1_000_007), row("2025-03-03", 1, 1, 2, 3)]);
  });

  it("groups by user and by chat", async () => {
    const byUser = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=user`);
    expect(byUser.body.rows).toEqual([row("u_ann", 3, 310, 170, 1_000_142), row("u_ben", 1, 1, 2, 3)]);
    const byChat = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=chat`);
    expect(byChat.body.rows.map((r: { key: string; turns: number }) => [r.key, r.turns])).toEqual([["c_ann1", 2], ["c_ann2", 1], ["c_ben1", 1]]);
  });

  it("filters by user, chat and model", async () => {
    const ann = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=chat&userId=u_ann`);
    expect(ann.body.rows.map((r: { key: string }) => r.key)).toEqual(["c_ann1", "c_ann2"]);
    const chat = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=day&chatId=c_ann1`);
    expect(chat.body.rows).toEqual([row("2025-03-01", 2, 300, 150, 135)]);
    const model = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&groupBy=user&model=openai/gpt-4o-mini`);
    expect(model.body.rows).toEqual([row("u_ann", 2, 300, 150, 135), row("u_ben", 1, 1, 2, 3)]);
    const none = await operator.call("GET", `${SHOP}/usage/turns?${WIDE}&userId=u_nobody`);
    expect(none.body).toMatchObject({ rows: [], totals: { turns: 0, inputTokens: 0, outputTokens: 0, costMicroUsd: 0 } });
  });

  it("counts turns in [since, until)", async () => {
    const reply = await operator.call("GET", `${SHOP}/usage/turns?since=2025-03-01T23:59:59.999Z&until=2025-03-02T00:00:00Z&groupBy=day`);
    expect(reply.body.rows).toEqual([row("2025-03-01", 1, 200, 100, 90)]);
    const byDefault = await operator.call("GET", `${SHOP}/usage/turns`);
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.rows).toEqual([]); // the seeded turns are older than 30 days
  });

  it.each([
    ["groupBy not a grouping", "groupBy=week", /^groupBy: /],
    ["since not a date", "since=yesterday", /^since: /],
    ["since on a day that does not exist", "since=2025-02-31", /^since: /],
    ["since after until", "since=2025-02-01&until=2025-01-01", /since: must not be after until/],
    ["since after now, until defaulted", "since=2999-01-01", /since: must not be after until/],
    ["userId with a NUL", "userId=a%00b", /^userId: /],
    ["model with a space", "model=a%20b", /^model: /],
  ])("answers 400 invalid_request for %s", async (_name, query, message) => {
    const reply = await operator.call("GET", `${SHOP}/usage/turns?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("invalid_request");
    expect(reply.body.error.message).toMatch(message);
  });

  it("is scoped: another tenant's secret key cannot read it (404)", async () => {
    const otherSecret = (await operator.call("POST", `${API_PATH.admin}/tenants/other/keys`, { kind: "secret" })).body.key;
    const other = apiClient(server.url, otherSecret);
    expect((await other.call("GET", `${SHOP}/usage/turns?${WIDE}`)).status).toBe(404);
    const own = await other.call("GET", `${API_PATH.admin}/tenants/other/usage/turns?${WIDE}`);
    expect(own.body.totals).toEqual({ turns: 1, inputTokens: 999, outputTokens: 999, costMicroUsd: 999 });
  });

  it("counts a real answer: one turn of the chat's model with its tokens and catalog cost", async () => {
    const publishableKey = (await operator.call("POST", `${SHOP}/keys`, { kind: "publishable" })).body.key;
    const token = await signInAsGuest(server.url, { publishableKey });
    const guest = apiClient(server.url, token);
    const headers = { [HEADER.publishableKey]: publishableKey };
    const chat = await guest.call("POST", "/v1/chats", {}, { headers });
    expect(chat.status).toBe(201);
    server.model.enqueue({ tokens: ["Hello ", "there."] });
    expect((await guest.call("POST", `/v1/chats/${chat.body.id}/messages`, { clientMessageId: "m1", text: "Hi" }, { headers })).status).toBe(202);
    await server.idle();

    const reply = await operator.call("GET", `${SHOP}/usage/turns?groupBy=chat&chatId=${chat.body.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body.rows).toHaveLength(1);
    const [turn] = reply.body.rows;
    expect(turn).toMatchObject({ key: chat.body.id, turns: 1 });
    expect(turn.inputTokens).toBeGreaterThan(0);
    expect(turn.outputTokens).toBeGreaterThan(0);
    // Billing is off here; the cost is still metered from the price catalog (test-model has a price).
    expect(turn.costMicroUsd).toBeGreaterThan(0);
    const byModel = await operator.call("GET", `${SHOP}/usage/turns?chatId=${chat.body.id}`);
    expect(byModel.body.rows.map((r: { key: string }) => r.key)).toEqual(["test-model"]);
  });

  it("records one row per answer: a later or concurrent settlement keeps the first row and returns its cost", async () => {
    const { billing, prisma } = server.services;
    const settle = (inputTokens: number, outcome: "completed" | "lost") =>
      billing.settleTurn({ tenantId: "shop", userId: "u_once", chatId: "c_once", generationId: "g_once", model: "test-model", outcome, usage: { inputTokens, outputTokens: 10 } });
    const first = await settle(100, "completed");
    expect(first).toBeGreaterThan(0n);
    // Takeover settling again (the holder died after settling): a no-op that reports the same cost.
    expect(await settle(5_000, "lost")).toBe(first);
    const rows = await prisma.turnUsage.findMany({ where: { generationId: "g_once" } });
    expect(rows).toMatchObject([{ inputTokens: 100, outcome: "completed", costMicroUsd: first }]);

    // Racing writers of one answer agree on the winner's cost.
    const racing = (n: number) =>
      billing.settleTurn({ tenantId: "shop", userId: "u_once", chatId: "c_once", generationId: "g_race", model: "test-model", outcome: "completed", usage: { inputTokens: n, outputTokens: 1 } });
    const costs = await Promise.all([racing(1), racing(2_000), racing(40_000), racing(800_000)]);
    const [stored] = await prisma.turnUsage.findMany({ where: { generationId: "g_race" } });
    expect(costs).toEqual(costs.map(() => stored!.costMicroUsd));
  });

  it("returns the other writer's cost when that writer commits while this one waits on the row", async () => {
    // The other writer's row is inserted but not committed: this settlement's insert waits on it,
    // and once it commits, finds neither its own row nor (in its snapshot) the other's.
    const other = new pg.Client({ connectionString: server.database.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(
        `INSERT INTO "turn_usage" ("generationId", "tenantId", "userId", "chatId", "model", "inputTokens", "outputTokens", "costMicroUsd", "outcome", "createdAt")
         VALUES ('g_wait', 'shop', 'u_once', 'c_once', 'test-model', 1, 1, 4242, 'completed', now())`,
      );
      const settled = server.services.billing.settleTurn({ tenantId: "shop", userId: "u_once", chatId: "c_once", generationId: "g_wait", model: "test-model", outcome: "lost", usage: { inputTokens: 9_999, outputTokens: 9_999 } });
      await waitForLockWait(server.database.url, "turn_usage");
      await other.query("COMMIT");
      expect(await settled).toBe(4242n);
    } finally {
      await other.end();
    }
  });
});

describe("open-chat usage", () => {
  function captured() {
    const out: string[] = [];
    const err: string[] = [];
    const io: OperatorIo = {
      env: { DATABASE_URL: server.database.url, STREAMS_URL: "", ENCRYPTION_KEY: "", OPERATOR_KEY: "" },
      stdin: { isTTY: false, read: async () => "" },
      stdout: (text) => void out.push(text),
      stderr: (text) => void err.push(text),
    };
    return { io, out, err };
  }

  it("prints a small table with a total row; costs in USD", async () => {
    const { io, out } = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "shop", "--since", "2025-03-01", "--until", "2025-03-04", "--by", "user"], io)).toBe(0);
    expect(out.join("\n")).toBe(
      [
        "usage of tenant shop from 2025-03-01T00:00:00Z to 2025-03-04T00:00:00Z, by user",
        "USER   TURNS  INPUT  OUTPUT  COST USD",
        "u_ann  3      310    170     1.000142",
        "u_ben  1      1      2       0.000003",
        "total  4      311    172     1.000145",
      ].join("\n"),
    );
  });

  it("prints JSON with --json (costs in integer µUSD), and (no turns) for an empty window", async () => {
    const json = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "shop", "--since", "2025-03-02", "--until", "2025-03-03", "--by", "day", "--json"], json.io)).toBe(0);
    expect(JSON.parse(json.out.join("\n"))).toEqual({
      tenantId: "shop",
      since: "2025-03-02T00:00:00.000Z",
      until: "2025-03-03T00:00:00.000Z",
      groupBy: "day",
      rows: [row("2025-03-02", 1, 10, 20, 1_000_007)],
      totals: { turns: 1, inputTokens: 10, outputTokens: 20, costMicroUsd: 1_000_007 },
    });
    const empty = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "shop", "--since", "2001-01-01", "--until", "2001-01-02"], empty.io)).toBe(0);
    expect(empty.out.join("\n")).toMatch(/\(no turns\)$/);
  });

  it("refuses bad input: a wrong --by or date (exit 1), no --tenant (exit 2), an unknown tenant (exit 1)", async () => {
    const by = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "shop", "--by", "week"], by.io)).toBe(1);
    expect(by.err.join("\n")).toMatch(/--by: "week" is not one of model, day, user, chat/);
    const date = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "shop", "--since", "2025-02-31", "--json"], date.io)).toBe(1);
    expect(JSON.parse(date.out.join(""))).toMatchObject({ error: { code: "invalid_request", message: expect.stringMatching(/^--since: /) } });
    const missing = captured();
    expect(await runOperatorCommand(["usage"], missing.io)).toBe(2);
    expect(missing.err.join("\n")).toMatch(/--tenant is required\nusage: open-chat usage --tenant <id>/);
    const unknown = captured();
    expect(await runOperatorCommand(["usage", "--tenant", "nope"], unknown.io)).toBe(1);
    expect(unknown.err.join("\n")).toMatch(/no tenant nope/);
  });
});

/**
 * Resolves once a session of this database waits on a lock in a statement on `table`. Polled on
 * a connection of its own, one statement per poll: inside a transaction Postgres would answer
 * every poll from the first one's snapshot of pg_stat_activity.
 */
async function waitForLockWait(connectionString: string, table: string): Promise<void> {
  const probe = new pg.Client({ connectionString });
  await probe.connect();
  try {
    for (let poll = 0; poll < 10_000; poll++) {
      const { rows } = await probe.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`,
        [table],
      );
      if (rows[0].n > 0) return;
    }
    throw new Error(`no session waited on a lock on ${table}`);
  } finally {
    await probe.end();
  }
}
