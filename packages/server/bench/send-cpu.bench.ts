/**
 * CPU and database round trips per send (POST /v1/chats/:id/messages → 202) through the real
 * server: Postgres, the Bun streams tier, our model server, real HTTP — all in this process
 * except Postgres and the tier, so `process.cpuUsage()` is the app's (plus this client's few
 * fetches) and every query of the app is counted at node-postgres (`pg.Client#query`, patched
 * here only to count). Each send asks for a short answer (`--tokens`) and waits for it to end before the
 * next, so the figure is the send path alone.
 *
 *   node --import tsx bench/send-cpu.bench.ts [sends=300] [--embedded] [--chats=10] [--tokens=1] [--profile=out.cpuprofile] [--queries]
 *
 * Sends go round-robin to `--chats` chats (default 10, so each chat ends with about sends/10
 * turns; `--chats=1` measures one long chat). `--tokens` sets each answer's length (default 1):
 * real answers put ~100 events per turn into the chat's log, which a send without kept chat
 * states (log/chat-states.ts) would read and fold again.
 * `--burst=N` then also sends N at once, 3 times (N guests, one chat each): wall time per send
 * from the client in this same process (so it includes the client's share of the one loop).
 * `--profile` writes a CPU profile of the measured sends only (open it in Chrome DevTools);
 * `--queries` prints the statements of the last measured send, in order.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import pg from "pg";
import { createTestTenant, signInAsGuest, startTestServer } from "@open-chat/testing";
import { apiClient } from "../test/helpers/api.js";
import { startStreamsBackend } from "../test/helpers/streams.js";
import { cpuSecondsOfCommand } from "./load/proc-stats.js";

const SENDS = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 300);
const WARMUP = 30;
const kind = process.argv.includes("--embedded") ? "embedded" : "bun-server";
const profileTo = process.argv.find((a) => a.startsWith("--profile="))?.slice("--profile=".length);
const showQueries = process.argv.includes("--queries");
const BURST = Number(process.argv.find((a) => a.startsWith("--burst="))?.slice("--burst=".length) ?? 0);
const CHATS = Number(process.argv.find((a) => a.startsWith("--chats="))?.slice("--chats=".length) ?? 10);
const TOKENS = Number(process.argv.find((a) => a.startsWith("--tokens="))?.slice("--tokens=".length) ?? 1);
const PROMPT = `hi [[tokens:${TOKENS}]]`;

let queries = 0;
let statements: string[] = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  if (showQueries) statements.push(statementText(args[0]));
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const streams = await startStreamsBackend(kind);
const server = await startTestServer({ streams: { url: streams.url, apiKey: streams.apiKey } });
try {
  // A site with a publishable key, as in production: the key and its tenant are resolved per request.
  const tenant = await createTestTenant(server.services, { origin: "https://bench.example" });
  const headers = { "X-Open-Chat-Key": tenant.publishableKey, Origin: tenant.origin };
  const token = await signInAsGuest(server.url, { publishableKey: tenant.publishableKey, origin: tenant.origin });
  const api = apiClient(server.url, token);
  const chats: string[] = [];
  for (let i = 0; i < CHATS; i++) chats.push((await api.call("POST", "/v1/chats", {}, { headers })).body.id);

  const one = async (i: number) => {
    const reply = await api.call("POST", `/v1/chats/${chats[i % chats.length]}/messages`, { clientMessageId: `m${i}`, text: PROMPT }, { headers });
    if (reply.status !== 202) throw new Error(`send ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
    await server.idle();
  };
  for (let i = 0; i < WARMUP; i++) await one(i);

  let cpuUs = 0;
  let answerCpuUs = 0;
  let answerQueries = 0;
  let wallMs = 0;
  let sendQueries = 0;
  const walls: number[] = [];
  const inspector = profileTo ? new Session() : undefined;
  if (inspector) {
    inspector.connect();
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.start");
  }
  const postgres0 = cpuSecondsOfCommand("postgres");
  for (let i = WARMUP; i < WARMUP + SENDS; i++) {
    const q0 = queries;
    statements = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const reply = await api.call("POST", `/v1/chats/${chats[i % chats.length]}/messages`, { clientMessageId: `m${i}`, text: PROMPT }, { headers });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (reply.status !== 202) throw new Error(`send ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
    const q202 = queries;
    sendQueries += q202 - q0;
    cpuUs += cpu.user + cpu.system;
    wallMs += wall;
    walls.push(wall);
    const cpu1 = process.cpuUsage();
    await server.idle();
    const answerCpu = process.cpuUsage(cpu1);
    answerCpuUs += answerCpu.user + answerCpu.system;
    answerQueries += queries - q202;
    if (showQueries && i === WARMUP + SENDS - 1) {
      console.log(statements.map((s, n) => `${n + 1}.${n < q202 - q0 ? " " : "*"} ${s}`).join("\n"));
      console.log("(* = after the 202: the answer)");
    }
  }
  const postgresUs = (cpuSecondsOfCommand("postgres") - postgres0) * 1e6;
  if (inspector) {
    const { profile } = await inspector.post("Profiler.stop");
    writeFileSync(profileTo!, JSON.stringify(profile));
    inspector.disconnect();
  }
  walls.sort((a, b) => a - b);
  const p = (q: number) => walls[Math.min(walls.length - 1, Math.floor(q * walls.length))]!.toFixed(1);
  console.log(`${SENDS} sends (${kind} tier, publishable key, ${TOKENS}-token answers, one at a time, ${CHATS} chats: ${Math.ceil((WARMUP + SENDS) / CHATS)} turns each at the end)`);
  console.log(`CPU per send            ${(cpuUs / SENDS).toFixed(0)} µs (app + this client)`);
  console.log(`queries per send        ${(sendQueries / SENDS).toFixed(1)} (node-postgres round trips until the 202)`);
  console.log(`then its answer         ${(answerCpuUs / SENDS).toFixed(0)} µs CPU, ${(answerQueries / SENDS).toFixed(1)} queries (202 → the answer ended)`);
  console.log(`wall per send           p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, mean ${(wallMs / SENDS).toFixed(1)} ms`);
  console.log(`Postgres CPU per send   ${(postgresUs / SENDS).toFixed(0)} µs with its answer (every postgres process of the machine, from /proc)`);
  if (BURST > 0) await burst(BURST);

  /** N sends at once (N guests, one chat each), three rounds. */
  async function burst(n: number) {
    const users = await Promise.all(
      Array.from({ length: n }, async () => {
        const api = apiClient(server.url, await signInAsGuest(server.url, { publishableKey: tenant.publishableKey, origin: tenant.origin }));
        return { api, chat: (await api.call("POST", "/v1/chats", {}, { headers })).body.id as string };
      }),
    );
    const walls: number[] = [];
    const q0 = queries;
    const cpu0 = process.cpuUsage();
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        users.map(async ({ api, chat }, i) => {
          const t0 = performance.now();
          const reply = await api.call("POST", `/v1/chats/${chat}/messages`, { clientMessageId: `b${round}-${i}`, text: PROMPT }, { headers });
          walls.push(performance.now() - t0);
          if (reply.status !== 202) throw new Error(`burst send: ${reply.status} ${JSON.stringify(reply.body)}`);
        }),
      );
      await server.idle();
    }
    const cpu = process.cpuUsage(cpu0);
    walls.sort((a, b) => a - b);
    const p = (q: number) => walls[Math.min(walls.length - 1, Math.floor(q * walls.length))]!.toFixed(0);
    console.log(`burst of ${n}, 3 rounds     send wall p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; CPU ${((cpu.user + cpu.system) / walls.length / 1000).toFixed(1)} ms and ${((queries - q0) / walls.length).toFixed(1)} queries per send incl. its one-token answer`);
  }
} finally {
  await server.close();
  await streams.stop();
}

function statementText(config: unknown): string {
  const text = typeof config === "string" ? config : (config as { text?: string } | undefined)?.text ?? String(config);
  return text.replace(/\s+/g, " ").slice(0, 220);
}

