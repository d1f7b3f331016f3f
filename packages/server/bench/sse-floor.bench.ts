/**
 * The platform's floor for live tails on this machine: a bare `node:http` server holding N idle
 * SSE responses (nothing of ours: no auth, no log, no hub) and a client process holding the
 * other ends. Reports the server's RSS per idle response and the time for one frame written to
 * all N to reach the client's last socket — what the idle-tail and fan-out goals compare with.
 * Give it the heap flags `open-chat serve` starts with by default to compare like with like:
 *
 *   node --max-semi-space-size=8 --heap-growing-percent=20 --import tsx bench/sse-floor.bench.ts [tails=1000] [rounds=5]
 *
 * Each frame goes out twice over: through each response's own chunked framing, and as one
 * ready-made chunk written onto each socket (what the live tails do: raw-sse.ts `SharedFrame`).
 *
 * Measured 2026-12-01 (2-core EPYC VM): 10,000 responses 13.4 KB of RSS each; one frame to
 * 1,000 responses, last receipt 29–47 ms (package README, "The tier's limit and ours").
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http, { type ServerResponse } from "node:http";
import net from "node:net";
import { once } from "node:events";

const TAILS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 5);
const role = process.env.SSE_FLOOR_ROLE;

const rssMb = () => Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096 / 1048576;
/** Wall time shared by the two processes (performance.now() is per process). */
const wallMs = () => performance.timeOrigin + performance.now();

if (role === "client") {
  // Holds TAILS connections; reports once every one of them got the frame of a round.
  const port = Number(process.env.SSE_FLOOR_PORT);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < TAILS; i++) {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET /tail/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
    await once(socket, "data");
    sockets.push(socket);
  }
  let got = 0;
  for (const socket of sockets) {
    socket.on("data", (chunk: Buffer) => {
      if (chunk.includes("fan") && ++got === TAILS) {
        got = 0;
        process.send!({ lastReceiptMs: wallMs() });
      }
    });
  }
  process.send!({ ready: true });
} else {
  const responses: ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
    res.write(": open\n\n");
    responses.push(res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const idleBefore = rssMb();
  const port = (server.address() as net.AddressInfo).port;
  const client: ChildProcess = fork(new URL(import.meta.url).pathname, process.argv.slice(2), {
    env: { ...process.env, SSE_FLOOR_ROLE: "client", SSE_FLOOR_PORT: String(port) },
    execArgv: ["--import", "tsx"],
  });
  const next = () => once(client, "message").then(([message]) => message as { ready?: true; lastReceiptMs?: number });
  await next();
  const perTailKb = ((rssMb() - idleBefore) * 1024) / TAILS;
  // Each round's frame written to every response two ways: through the response (its chunked
  // framing per response) and as one ready-made chunk onto each socket (raw-sse.ts SharedFrame).
  const ways = {
    "res.write": (res: ServerResponse, text: string) => res.write(text),
    "shared chunk": (res: ServerResponse, _text: string, chunk: Buffer) => res.socket!.write(chunk),
  };
  const results: string[] = [];
  for (const [way, write] of Object.entries(ways)) {
    const receipts: number[] = [];
    let cpuUs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // a pause between rounds, not a synchronisation
      const text = `id: ${round}\ndata: {"type":"fan"}\n\n`;
      const chunk = Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
      const sentMs = wallMs();
      const cpu = process.cpuUsage();
      for (const res of responses) write(res, text, chunk);
      await new Promise((resolve) => setImmediate(resolve)); // the response's corked writes go out on the next tick
      const used = process.cpuUsage(cpu);
      cpuUs += used.user + used.system;
      const { lastReceiptMs } = await next();
      receipts.push(lastReceiptMs! - sentMs);
    }
    results.push(`  ${way}: one frame to all, last receipt ${receipts.map((ms) => ms.toFixed(1)).join(" / ")} ms; server CPU ${(cpuUs / ROUNDS / TAILS).toFixed(1)} µs per response`);
  }
  client.kill();
  server.closeAllConnections();
  server.close();
  console.log(`bare node:http SSE, ${TAILS} idle responses (${process.execArgv.filter((a) => /^--(max-semi|heap-growing)/.test(a)).join(" ") || "V8's own heap"})`);
  console.log(`  server RSS per idle response: ${perTailKb.toFixed(1)} KB`);
  for (const line of results) console.log(line);
}
