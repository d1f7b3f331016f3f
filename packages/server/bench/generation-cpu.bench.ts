/**
 * CPU of the app per generated token: the built app (`open-chat serve`) against the Bun streams
 * tier and the timestamping model, each its own process (bench/load/), N answers of T tokens at
 * R tokens/s started together with no tail open, so the app's CPU is the generation path alone
 * (model stream parse, events, group commit, appends, lease renewal) plus N sends. Measured
 * from /proc (the app's user + system time) between the first send and the last answer's end.
 *
 *   node --import tsx bench/generation-cpu.bench.ts [--answers 50] [--tokens 200] [--rate 30] [--runs 3]
 *   APP_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" node --import tsx bench/generation-cpu.bench.ts --runs 1   (profile the app)
 *
 * Needs Postgres and the built server (`pnpm --filter @open-chat/server build`).
 */
import { parseArgs } from "node:util";
import { startApp } from "./load/configs.js";
import { errorCodeOf, httpJson } from "./load/http.js";
import { cpuSeconds } from "./load/proc-stats.js";
import { startWorker } from "./load/worker.js";

const { values } = parseArgs({
  options: {
    answers: { type: "string", default: "50" },
    tokens: { type: "string", default: "200" },
    rate: { type: "string", default: "30" },
    runs: { type: "string", default: "3" },
  },
});
const answers = Number(values.answers);
const tokens = Number(values.tokens);
const runs = Number(values.runs);
const TERMINAL = new Set(["message.completed", "message.error", "message.stopped"]);

const model = startWorker("./model-server.ts", { BENCH_TOKENS: String(tokens), BENCH_TOKENS_PER_SECOND: values.rate });
const modelUrl = (await model.next("ready")).url;
const results: number[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const sut = await startApp("bun", modelUrl, process.env.APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.APP_NODE_OPTIONS } : {});
    try {
      const url = sut.app.url;
      const users = await Promise.all(
        Array.from({ length: answers }, async (_, i) => {
          const signIn = await httpJson("POST", `${url}/v1/auth/sign-in/anonymous`, {}, {});
          const auth = { authorization: `Bearer ${String(signIn.headers["set-auth-token"])}` };
          const chat = await httpJson("POST", `${url}/v1/chats`, auth, {});
          if (chat.status !== 201) throw new Error(`chat ${i}: ${errorCodeOf(chat)}`);
          return { auth, chatId: (chat.body as { id: string }).id };
        }),
      );
      const before = cpuSeconds(sut.app.pid);
      const sends = await Promise.all(users.map((u, i) => httpJson("POST", `${url}/v1/chats/${u.chatId}/messages`, u.auth, { clientMessageId: `g${i}`, text: "go" })));
      const refused = sends.filter((s) => s.status !== 202);
      if (refused.length) throw new Error(`${refused.length} sends refused: ${errorCodeOf(refused[0]!)}`);
      // Wait for every answer's terminal event. The reads are the bench's own load on the app, so
      // none before the model can have finished, then one read per unfinished chat per round from
      // where the last one ended (an earlier version re-read whole chats 4×/s: ~15 % of the CPU).
      await new Promise((resolve) => setTimeout(resolve, (tokens / Number(values.rate)) * 1000));
      let pending = users.map((u) => ({ ...u, offset: "-1" }));
      while (pending.length) {
        const done = await Promise.all(pending.map((u) => ended(url, u)));
        pending = pending.filter((_, i) => !done[i]);
        if (pending.length) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const cpuUs = (cpuSeconds(sut.app.pid) - before) * 1e6;
      const perToken = cpuUs / (answers * tokens);
      results.push(perToken);
      console.log(`run ${run + 1}: ${answers} answers × ${tokens} tokens at ${values.rate}/s — app CPU ${(cpuUs / 1e3).toFixed(0)} ms, ${perToken.toFixed(1)} µs per token`);
    } finally {
      await sut.close();
    }
  }
} finally {
  await model.stop();
}
results.sort((a, b) => a - b);
console.log(`median: ${results[Math.floor(results.length / 2)]!.toFixed(1)} µs of app CPU per generated token (${answers} concurrent answers, Bun tier, no tails)`);

/** Reads the chat on from `user.offset` (advancing it): true once its answer's terminal event is in. */
async function ended(url: string, user: { auth: Record<string, string>; chatId: string; offset: string }): Promise<boolean> {
  for (;;) {
    const page = await httpJson("GET", `${url}/v1/chats/${user.chatId}/events?offset=${encodeURIComponent(user.offset)}`, user.auth);
    const events = page.body as Array<{ type: string }>;
    if (Array.isArray(events) && events.some((e) => TERMINAL.has(e.type))) return true;
    const next = page.headers["stream-next-offset"];
    if (typeof next !== "string" || next === user.offset) return false;
    user.offset = next;
    if (page.headers["stream-up-to-date"] === "true") return false;
  }
}
