/**
 * Fold throughput (events/s) in Node: whole-log materialize and incremental 100-event batches,
 * over realistic logs (turns of one user message + an assistant answer streamed as deltas).
 * Run: pnpm --filter @open-chat/shared bench   (target >= 2M events/s)
 */
import { EMPTY_CHAT_STATE, foldAll, materialize } from "../src/index.js";

function buildLog(turns: number, deltasPerTurn: number): object[] {
  const events: object[] = [];
  const at = new Date(0).toISOString();
  for (let t = 0; t < turns; t++) {
    const producer = `gen_${t}`;
    let seq = 0;
    const base = () => ({ v: 1, id: `${producer}:${seq++}`, chatId: "chat_bench", at });
    events.push({ ...base(), type: "message.created", messageId: `u${t}`, role: "user", text: "question" });
    events.push({ ...base(), type: "message.created", messageId: `a${t}`, role: "assistant", text: "" });
    events.push({ ...base(), type: "generation.started", messageId: `a${t}`, holder: "h", model: "m" });
    for (let d = 0; d < deltasPerTurn; d++) {
      events.push({ ...base(), type: "message.delta", messageId: `a${t}`, text: "token " });
    }
    events.push({
      ...base(),
      type: "message.completed",
      messageId: `a${t}`,
      finishReason: "stop",
      usage: { inputTokens: 1, outputTokens: deltasPerTurn, costMicroUsd: 1 },
    });
  }
  return events;
}

function measure(name: string, events: object[], run: () => unknown, rounds = 5) {
  run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const rate = Math.round(events.length / (median / 1000));
  console.log(`${name.padEnd(42)} ${events.length.toLocaleString("en").padStart(10)} events  ${median.toFixed(1).padStart(8)} ms  ${rate.toLocaleString("en").padStart(12)} events/s`);
  return rate;
}

const log = buildLog(1_000, 200); // 204k events
measure("fold: materialize whole log", log, () => materialize(log));
measure("fold: incremental, batches of 100", log, () => {
  let state = EMPTY_CHAT_STATE;
  for (let i = 0; i < log.length; i += 100) state = foldAll(state, log.slice(i, i + 100));
  return state;
});
const long = buildLog(10, 10_000); // one long chat, few messages
measure("fold: 10 answers of 10k deltas", long, () => materialize(long));
