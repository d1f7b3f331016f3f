/**
 * `open-chat serve` with WORKERS=2 on Postgres and a remote streams tier: a Node cluster, two
 * full servers behind one port. Real processes on loopback, as in production:
 * - requests on new connections reach both workers (each answer's lease names its holder, and a
 *   holder id carries its process id);
 * - a worker killed -9 mid-answer is replaced, and its answer is taken over through the lease
 *   and ends exactly as if nothing had happened;
 * - a worker that cannot start (here: no such database) ends the cluster with exit 1;
 * - SIGTERM to the primary drains both workers: their running answers complete, nothing is
 *   left to takeover, and every process exits 0;
 * - with METRICS_PORT the primary serves the sum of both workers' metrics.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { API_PATH } from "@open-chat/shared";
import { signInAsGuest } from "@open-chat/testing";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HEAP_SEMI_SPACE_MB } from "../../src/cli/v8-start-flags.js";
import { startApiProcess, type ApiProcess } from "./api-process.js";
import { authorized, createChat, ended, watchChat } from "./chat-watch.js";
import { uninterrupted, useChaosFixture } from "./fixture.js";
import { sample, scrapeUntil } from "../helpers/metrics.js";

const fixture = useChaosFixture({ tokenDelayMs: 8 });
const running: ApiProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.kill()));
});

async function startCluster(env: Record<string, string> = {}): Promise<{ api: ApiProcess; pids: number[] }> {
  const api = await startApiProcess({ ...fixture().env, WORKERS: "2", GENERATION_LEASE_MS: "2000", GENERATION_SWEEP_MS: "250", ...env });
  running.push(api);
  // The primary prints one banner once both workers listen: "...; 2 workers (pids 123, 456)".
  const banner = api.output.find((line) => /listening on .*; 2 workers \(pids /.test(line));
  expect(banner, api.output.join("\n")).toBeDefined();
  const pids = /pids ([\d, ]+)\)/.exec(banner!)![1]!.split(", ").map(Number);
  expect(pids).toHaveLength(2);
  expect(pids).not.toContain(api.pid);
  // Workers inherit the primary's start flags (HEAP_SEMI_SPACE_MB, src/cli/v8-start-flags.ts).
  for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(`--max-semi-space-size=${DEFAULT_HEAP_SEMI_SPACE_MB}`);
  return { api, pids };
}

/**
 * A send on a connection of its own (no keep-alive pool): the cluster's primary hands each new
 * connection to the next free worker, so consecutive sends alternate between the workers.
 */
function sendOnNewConnection(baseUrl: string, token: string, chatId: string, text: string): Promise<{ assistantMessageId: string }> {
  const body = JSON.stringify({ clientMessageId: randomUUID(), text });
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${API_PATH.messages(chatId)}`, { method: "POST", agent: false, headers: { ...authorized(token), "Content-Length": Buffer.byteLength(body) } }, (res) => {
      let data = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (data += chunk));
      res.on("end", () => (res.statusCode === 202 ? resolve(JSON.parse(data)) : reject(new Error(`send: ${res.statusCode} ${data}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** The process holding each chat's running answer, from its lease (holder ids end in `-<pid>-<6 hex>`). */
async function holderPids(chatIds: string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: fixture().database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; leaseHolder: string | null }>(`SELECT id, "leaseHolder" FROM chat WHERE id = ANY($1) AND "activeGenerationId" IS NOT NULL`, [chatIds]);
    return new Map(rows.map((row) => [row.id, Number(/-(\d+)-[0-9a-f]{6}$/.exec(row.leaseHolder ?? "")?.[1])]));
  } finally {
    await client.end();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts one long answer per chat, each send on a new connection; resolves once every answer shows text. */
async function startAnswers(api: ApiProcess, token: string, prompt: string, count: number) {
  const answers: Array<{ chatId: string; messageId: string }> = [];
  for (let n = 0; n < count; n++) {
    const chatId = await createChat(api.url, token);
    const { assistantMessageId } = await sendOnNewConnection(api.url, token, chatId, prompt);
    answers.push({ chatId, messageId: assistantMessageId });
  }
  for (const { chatId, messageId } of answers) {
    await watchChat(() => api.url, token, chatId, (state) => (state.messages.find((m) => m.id === messageId)?.text.length ?? 0) > 0);
  }
  return answers;
}

describe("open-chat serve with WORKERS=2 (one port, Node cluster)", () => {
  it("serves from both workers; a worker killed -9 mid-answer is replaced and its answer is taken over", async () => {
    const { api, pids } = await startCluster({ SHUTDOWN_GRACE_MS: "0" });
    const token = await signInAsGuest(api.url);
    const prompt = "workers [[tokens:300]] [[delay:8]]";
    const expected = await uninterrupted(fixture().model, prompt);
    const answers = await startAnswers(api, token, prompt, 4);

    const holders = await holderPids(answers.map((a) => a.chatId));
    expect(new Set(holders.values()), "both workers hold answers").toEqual(new Set(pids));

    const victim = pids[0]!;
    const restarted = api.printed((lines) => lines.some((line) => /worker \d ready again \(pid \d+/.test(line)));
    process.kill(victim, "SIGKILL");
    await restarted;
    expect(alive(api.pid), "the primary survives").toBe(true);
    const replacement = Number(/ready again \(pid (\d+)/.exec(api.output.find((line) => /ready again/.test(line))!)![1]);
    expect([...pids, api.pid]).not.toContain(replacement);

    for (const { chatId, messageId } of answers) {
      const { state, events } = await watchChat(() => api.url, token, chatId, ended(messageId));
      const answer = state.messages.find((m) => m.id === messageId)!;
      expect(answer.status).toBe("completed");
      expect(answer.text).toBe(expected);
      expect(state.duplicates).toBe(0);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      // Exactly the answers the killed worker held were taken over.
      const resumed = events.some((e) => e.type === "generation.resumed");
      expect(resumed, `chat ${chatId} (held by ${holders.get(chatId)})`).toBe(holders.get(chatId) === victim);
    }
  }, 120_000);

  it("serves the sum of both workers' metrics on METRICS_PORT, from the primary", async () => {
    const { api } = await startCluster({ METRICS_PORT: "0" });
    await api.printed((lines) => lines.some((line) => /^open-chat: metrics of all 2 workers on /.test(line)));
    const url = /(http:\/\/\S+\/metrics)/.exec(api.output.find((line) => /metrics of all 2 workers/.test(line))!)![1]!;
    const token = await signInAsGuest(api.url);
    const prompt = "counted [[tokens:20]]";
    const answers = await startAnswers(api, token, prompt, 4);
    for (const { chatId, messageId } of answers) await watchChat(() => api.url, token, chatId, ended(messageId));
    const scraped = await scrapeUntil(url, "open_chat_answers_total", { outcome: "completed" }, 4);
    expect(scraped.status).toBe(200);
    expect(sample(scraped.text, "open_chat_processes")).toBe(2);
    expect(sample(scraped.text, "open_chat_answers_total", { outcome: "completed" })).toBe(4);
    expect(sample(scraped.text, "open_chat_http_responses_total", { status: "202" })).toBe(4);
    // Both workers' caps, added up: what the cluster can run at once.
    expect(sample(scraped.text, "open_chat_answers_running_cap")).toBe(2 * 150);
    expect(sample(scraped.text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    // The workers do not serve it on the API's port.
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  }, 120_000);

  it("a worker that cannot start stops the cluster with its error (exit 1), not a restart loop", async () => {
    const broken = startApiProcess({ ...fixture().env, WORKERS: "2", DATABASE_URL: fixture().database.url.replace(/\/[^/]+$/, "/open_chat_no_such_db") });
    const failure = await broken.then(
      () => new Error("the cluster started"),
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/exited \(1\) before listening/);
    expect(failure.message).toMatch(/worker \d exited during start-up/);
    expect(failure.message).toMatch(/database "open_chat_no_such_db" does not exist/);
  }, 60_000);

  it("SIGTERM to the primary drains both workers: running answers complete, every process exits 0", async () => {
    const { api, pids } = await startCluster({ SHUTDOWN_GRACE_MS: "60000" });
    const token = await signInAsGuest(api.url);
    const prompt = "drain [[tokens:120]] [[delay:8]]";
    const expected = await uninterrupted(fixture().model, prompt);
    const answers = await startAnswers(api, token, prompt, 2);
    expect(new Set((await holderPids(answers.map((a) => a.chatId))).values())).toEqual(new Set(pids));

    api.signal("SIGTERM");
    expect(await api.exited).toBe(0);
    for (const pid of pids) expect(alive(pid), `worker ${pid} exited`).toBe(false);
    expect(api.output.filter((line) => /^open-chat worker \d: SIGTERM, shutting down/.test(line))).toHaveLength(2);

    // Read the outcome through a new (single-process) server on the same database and tier.
    const reader = await startApiProcess({ ...fixture().env, GENERATION_SWEEP_MS: "60000" });
    running.push(reader);
    for (const { chatId, messageId } of answers) {
      const { state, events } = await watchChat(() => reader.url, token, chatId, ended(messageId));
      expect(state.messages.find((m) => m.id === messageId)).toMatchObject({ status: "completed", text: expected });
      expect(events.some((e) => e.type === "generation.resumed"), "drained, not taken over").toBe(false);
    }
  }, 120_000);
});
