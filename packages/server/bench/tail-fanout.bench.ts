/**
 * Live SSE tails through the real server (Postgres, the Bun streams-server in its own process
 * behind a TCP proxy that counts the server's requests to it, real HTTP): what N idle tails
 * cost, and what delivering one event to all of them costs.
 *
 * Two shapes in one run:
 * - "one user": N tails of ONE chat of one user — they share one upstream read (stream hub);
 * - "N users": one tail each for N users — one upstream read per tail, which is what every
 *   tail cost before the hub whoever it belonged to.
 * Figures: descriptors of this process per tail (the server's socket + its share of upstream
 * reads; the bench's own client socket is subtracted), upstream long-polls per second while
 * idle, CPU per event delivered to one tail (process.cpuUsage of this process, which holds the
 * server, the tail clients and the bench's own appends — each round appends one event per chat
 * straight to the tier, and the CPU of the same rounds with no tail open is subtracted; the
 * tier's CPU is not counted), and the time from an append until the last tail has it (wall time: only
 * indicative on a loaded machine).
 * Run: node --import tsx bench/tail-fanout.bench.ts [tails] [users]   (needs Postgres and `bun`)
 */
import { readdirSync } from "node:fs";
import http from "node:http";
import { signInAsGuest, startTcpProxy, startTestServer, type TcpProxy, type TestServer } from "@open-chat/testing";
import { chatKey, userStreamName } from "../src/log/stream-names.js";
import type { StreamsClient } from "../src/streams/client/types.js";
import { apiClient } from "../test/helpers/api.js";
import { startStreamsBackend } from "../test/helpers/streams.js";

const TAILS = Number(process.argv[2] ?? 500);
const USERS = Number(process.argv[3] ?? 200);
const LONG_POLL_MS = 4_000; // the production default
/** Rounds of one event per chat tailed. */
const RENAMES = 10;

const fds = () => readdirSync("/proc/self/fd").length;

interface Tail {
  /** `event: data` frames received. */
  data: number;
  close(): void;
}

/** An SSE tail over plain node:http (one socket each); counts data frames. */
function openTail(url: string, token: string, chatId: string, onData: () => void): Promise<Tail> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false });
    const req = http.get(`${url}/v1/chats/${chatId}/events?live=sse`, { headers: { Authorization: `Bearer ${token}` }, agent }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`tail: ${res.statusCode}`));
      const tail: Tail = { data: 0, close: () => req.destroy() };
      res.setEncoding("utf8");
      let first = true;
      res.on("data", (chunk: string) => {
        if (first) {
          first = false;
          resolve(tail);
        }
        const frames = chunk.split("event: data\n").length - 1;
        if (frames > 0) {
          tail.data += frames;
          onData();
        }
      });
      res.on("error", () => undefined);
    });
    req.on("error", () => undefined);
  });
}

interface Owner {
  token: string;
  chatId: string;
  stream: string;
}

async function ownerOf(server: TestServer, token: string): Promise<Owner> {
  const { id: chatId } = await apiClient(server.url, token).createChat();
  const chat = await server.services.prisma.chat.findUniqueOrThrow({ where: { id: chatId } });
  return { token, chatId, stream: userStreamName({ tenantId: chat.tenantId, id: chat.userId } as Parameters<typeof userStreamName>[0]) };
}

const renamed = (chatId: string, n: number) => ({ v: 1, id: `bench-${chatId}-${n}-${Math.random()}`, at: new Date().toISOString(), type: "chat.renamed", chatId, title: `t${n}` });

async function measure(label: string, streams: StreamsClient, proxy: TcpProxy, server: TestServer, owners: Owner[]) {
  const before = fds();
  let delivered = 0;
  let waiting: { target: number; resolve: () => void } | null = null;
  const onData = () => {
    delivered++;
    if (waiting && delivered >= waiting.target) waiting.resolve();
  };
  const tails: Tail[] = [];
  for (const owner of owners) tails.push(await openTail(server.url, owner.token, owner.chatId, onData));
  // Every tail has sent its catch-up; let the hub's joins settle into their upstream reads.
  await new Promise((r) => setTimeout(r, 500));
  // Per tail the count holds the bench client's socket and the server's (1 + 1), and per
  // upstream read the server's socket plus the in-process proxy's two: the server's own share is
  // 1 + (upstream sockets per tail).
  const counted = (fds() - before) / tails.length;
  const perTail = 1 + (counted - 2) / 3;

  const idleFrom = proxy.requests.length;
  const idleCpu = process.cpuUsage();
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, 2 * LONG_POLL_MS));
  const idleSeconds = (performance.now() - idleStart) / 1000;
  const idleUsed = process.cpuUsage(idleCpu);
  const polls = proxy.requests.slice(idleFrom).filter((line) => line.includes("live=long-poll")).length / idleSeconds;
  const idleCorePct = ((idleUsed.user + idleUsed.system) / 1e6 / idleSeconds) * 100;

  // One rename per chat tailed (one event each) RENAMES times; every tail receives its chat's.
  const chats = [...new Map(owners.map((o) => [o.chatId, o])).values()];
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  for (let n = 0; n < RENAMES; n++) {
    const reached = new Promise<void>((resolve) => (waiting = { target: delivered + tails.length, resolve }));
    const start = performance.now();
    await Promise.all(chats.map((o) => streams.append(o.stream, [renamed(o.chatId, n)], { key: chatKey(o.chatId) })));
    await reached;
    latencies.push(performance.now() - start);
  }
  const used = process.cpuUsage(cpu);
  for (const tail of tails) tail.close();
  // The same rounds of appends with no tail open: the bench's own share, subtracted.
  const alone = process.cpuUsage();
  for (let n = 0; n < RENAMES; n++) await Promise.all(chats.map((o) => streams.append(o.stream, [renamed(o.chatId, -n)], { key: chatKey(o.chatId) })));
  const ownUsed = process.cpuUsage(alone);
  const perDelivery = (used.user + used.system - ownUsed.user - ownUsed.system) / (RENAMES * tails.length);
  void server;
  latencies.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(30)} ${String(tails.length).padStart(6)} ${perTail.toFixed(2).padStart(9)} ${polls.toFixed(1).padStart(12)} ${idleCorePct.toFixed(1).padStart(9)}% ${perDelivery.toFixed(0).padStart(14)} ${latencies[Math.floor(latencies.length / 2)]!.toFixed(0).padStart(9)}`,
  );
}

const tier = await startStreamsBackend("bun-server");
const proxy = await startTcpProxy(tier.url);
const server = await startTestServer({
  streams: { url: proxy.url, apiKey: tier.apiKey },
  settings: { tail: { heartbeatMs: 15_000, retryMs: 1_000, longPollMs: LONG_POLL_MS, sessionCheckMs: 60_000 } },
});
try {
  console.log(`live SSE tails, Bun streams-server in its own process, upstream long-poll ${LONG_POLL_MS} ms\n`);
  console.log(`${"shape".padEnd(30)} ${"tails".padStart(6)} ${"fds/tail".padStart(9)} ${"idle polls/s".padStart(12)} ${"idle CPU".padStart(10)} ${"CPU µs/deliv.".padStart(14)} ${"p50 ms".padStart(9)}`);
  const streams = tier.client();
  const owner = await ownerOf(server, await signInAsGuest(server.url));
  await measure(`one user, one chat`, streams, proxy, server, Array.from({ length: TAILS }, () => owner));
  const users: Owner[] = [];
  for (let i = 0; i < USERS; i++) users.push(await ownerOf(server, await signInAsGuest(server.url)));
  await measure(`${USERS} users, a tail each`, streams, proxy, server, users);
} finally {
  await server.close();
  await proxy.close();
  await tier.stop();
}
