/**
 * Process entry: the durability floor. The streams tier's own append latency (POST → ack) with
 * N appenders, one stream each, appending one delta-sized event at a time with the app's
 * producer headers, at the append rate the app itself reached in the same step. What the app
 * adds on top of this is our cost; this much is the tier's.
 *
 * Environment: TIER_URL, TIER_API_KEY (optional), BENCH_USERS, FLOOR_APPENDS (per appender),
 * FLOOR_RATE (appends per second per appender).
 */
import { randomUUID } from "node:crypto";
import { envNumber } from "./answers.js";
import { nowUs } from "./clock.js";
import { httpJson } from "./http.js";
import type { ProcessUsage } from "./proc-stats.js";
import { Samples, summarize, type Summary } from "./stats.js";
import { runWorker, sendToParent } from "./worker.js";

/** One step of the floor as the report keeps it: what this worker measured, with the tier's CPU and memory over it. */
export interface FloorResult {
  users: number;
  appendsPerUser: number;
  ratePerUser: number;
  latency: Summary;
  failures: Record<string, number>;
  behindScheduleMs: number;
  durationMs: number;
  appendsPerSecond: number;
  usage: Record<string, ProcessUsage>;
}

runWorker(async () => {
  const tierUrl = process.env.TIER_URL;
  if (!tierUrl) throw new Error("TIER_URL is required");
  const auth: Record<string, string> = process.env.TIER_API_KEY ? { authorization: `Bearer ${process.env.TIER_API_KEY}` } : {};
  const users = envNumber("BENCH_USERS", 10);
  const appends = envNumber("FLOOR_APPENDS", 200);
  const rate = envNumber("FLOOR_RATE", 30);
  const run = randomUUID().slice(0, 8);

  for (let i = 0; i < users; i++) {
    const created = await httpJson("PUT", `${tierUrl}/v1/stream/bench-floor-${run}-${i}`, { ...auth, "content-type": "application/json" });
    if (created.status !== 201 && created.status !== 200) throw new Error(`create stream ${i}: ${created.status}`);
  }

  const latencies = new Samples();
  const failures: Record<string, number> = {};
  let behindMs = 0;
  sendToParent({ type: "phase", phase: "measure-start" });
  const start = nowUs();
  await Promise.all(
    Array.from({ length: users }, async (_, i) => {
      const offsetMs = (i * 1000) / rate / users;
      for (let seq = 0; seq < appends; seq++) {
        const dueUs = start + (offsetMs + (seq * 1000) / rate) * 1000;
        const waitMs = (dueUs - nowUs()) / 1000;
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        else behindMs = Math.max(behindMs, -waitMs);
        // One append in flight per stream, like the app's group commit.
        const event = { v: 1, id: `gen-floor-${i}:${seq + 1}`, type: "message.delta", chatId: `c${i}`, messageId: `m${i}`, at: new Date().toISOString(), text: `${seq}@${nowUs()} ` };
        const sentUs = nowUs();
        const ack = await httpJson("POST", `${tierUrl}/v1/stream/bench-floor-${run}-${i}`, {
          ...auth,
          "stream-key": `chat:c${i}`,
          "producer-id": `gen-floor-${i}`,
          "producer-epoch": "0",
          "producer-seq": String(seq),
        }, [event]).catch(() => ({ status: 0 }));
        if (ack.status >= 200 && ack.status < 300) latencies.push((nowUs() - sentUs) / 1000);
        else failures[String(ack.status)] = (failures[String(ack.status)] ?? 0) + 1;
      }
    }),
  );
  const durationMs = (nowUs() - start) / 1000;
  sendToParent({ type: "phase", phase: "measure-end" });
  return { users, appendsPerUser: appends, ratePerUser: rate, latency: summarize(latencies.values()), failures, behindScheduleMs: behindMs, durationMs, appendsPerSecond: latencies.length / (durationMs / 1000) };
});
