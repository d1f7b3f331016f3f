/**
 * Process entry: the load generator against the app. N guests sign in, create one chat each
 * and open one live SSE tail each (all set up before measuring); then each sends one message,
 * and every token's latency is taken from the tail as it arrives. The final text of each answer
 * is the shared fold over the events its tail delivered: exactly what a screen would show.
 *
 * Before measuring, one more guest sends once and stops its answer after the first token: the
 * measured sends meet a running server (its statements prepared, its code compiled), not its
 * very first send after start-up, whose one-off cost would otherwise land on a step's first
 * sends. BENCH_WARMUP=0 measures that first send too; BENCH_WARMUP=N runs N such answers one
 * after another, for a process whose hot code is compiled as it is after minutes of traffic
 * (measured at 10 answers: 20 of them cut send p50 74 → 48 ms and time to first token 135 → 91 ms).
 *
 * Environment: APP_URL, BENCH_USERS, BENCH_TOKENS, BENCH_TOKENS_PER_SECOND, BENCH_DEADLINE_MS,
 * BENCH_WARMUP.
 */
import { materialize, type ChatEvent } from "@open-chat/shared";
import { AnswerTrack, allDone, answerLoadFromEnv, envNumber, staggerMs, summarizeAnswers } from "./answers.js";
import { nowUs } from "./clock.js";
import { guestWithChat } from "./guests.js";
import { inLanes } from "./lanes.js";
import { errorCodeOf, httpJson, openSse } from "./http.js";
import { Samples } from "./stats.js";
import { runWorker, sendToParent } from "./worker.js";

const TERMINAL = new Set(["message.completed", "message.error", "message.stopped"]);

runWorker(async () => {
  const appUrl = process.env.APP_URL;
  if (!appUrl) throw new Error("APP_URL is required");
  const { users, tokens, rate, deadlineMs } = answerLoadFromEnv();

  // Set-up, not measured: sessions, chats, live tails that have caught up.
  const latencies = new Samples();
  const tracks = Array.from({ length: users }, () => new AnswerTrack(tokens, latencies));
  const events: ChatEvent[][] = tracks.map(() => []);
  const eventIds = tracks.map(() => new Set<string>());
  let wireDuplicates = 0;
  const wake = { notify: () => {} };
  const sessions = await inLanes(users, 16, () => guestWithChat(appUrl));
  const tails = await inLanes(users, 16, async (i) => {
    const { auth, chatId } = sessions[i]!;
    let caughtUp!: () => void;
    const upToDate = new Promise<void>((resolve) => (caughtUp = resolve));
    const tail = await openSse(`${appUrl}/v1/chats/${chatId}/events?live=sse&offset=-1`, {
      headers: auth,
      onFrame(frame) {
        const at = nowUs();
        if (frame.event === "control") return caughtUp();
        if (frame.event !== "data") return;
        for (const event of JSON.parse(frame.data) as ChatEvent[]) {
          if (eventIds[i]!.has(event.id)) wireDuplicates++;
          eventIds[i]!.add(event.id);
          events[i]!.push(event);
          const track = tracks[i]!;
          if (event.type === "message.delta") track.received(event.text, at);
          else if (TERMINAL.has(event.type) && !track.done) {
            track.done = true;
            track.terminal = event.type === "message.error" ? `${event.type} ${event.code}` : event.type;
            wake.notify();
          }
        }
      },
      onEnd(error) {
        if (!tracks[i]!.done) console.error(`tail ${i} ended early${error ? `: ${error.message}` : ""}`);
      },
    });
    if (tail.status !== 200) throw new Error(`tail ${i}: status ${tail.status}`);
    await upToDate;
    return tail;
  });

  const warmUps = envNumber("BENCH_WARMUP", 1);
  for (let i = 0; i < warmUps; i++) await warmUp(appUrl);

  // Measured: every user sends once, spread over one token interval.
  sendToParent({ type: "phase", phase: "measure-start" });
  const start = nowUs();
  await Promise.all(
    sessions.map(async ({ auth, chatId }, i) => {
      await delay(staggerMs(i, users, rate));
      const track = tracks[i]!;
      track.sendStartUs = nowUs();
      const sent = await httpJson("POST", `${appUrl}/v1/chats/${chatId}/messages`, auth, { clientMessageId: `bench-${i}`, text: "bench" }).catch(
        (error: Error) => ({ status: 0, headers: {}, body: { error: { code: error.message } } }),
      );
      track.sendMs = (nowUs() - track.sendStartUs) / 1000;
      if (sent.status !== 202) {
        track.failed = errorCodeOf(sent);
        track.done = true;
        wake.notify();
      }
    }),
  );
  await allDone(tracks, start + deadlineMs * 1000, wake);
  const durationMs = (nowUs() - start) / 1000;
  sendToParent({ type: "phase", phase: "measure-end" });
  for (const tail of tails) tail.close();

  return summarizeAnswers(
    tracks,
    latencies,
    (i) => materialize(events[i]!).messages.find((m) => m.role === "assistant")?.text ?? "",
    { wireDuplicates, durationMs },
  );
});

/** One answer, stopped after its first token (set-up, not measured; see the module comment). */
async function warmUp(appUrl: string): Promise<void> {
  const { auth, chatId } = await guestWithChat(appUrl);
  let firstToken!: () => void;
  let ended!: () => void;
  const started = new Promise<void>((resolve) => (firstToken = resolve));
  const finished = new Promise<void>((resolve) => (ended = resolve));
  const tail = await openSse(`${appUrl}/v1/chats/${chatId}/events?live=sse&offset=-1`, {
    headers: auth,
    onFrame(frame) {
      if (frame.event !== "data") return;
      for (const event of JSON.parse(frame.data) as ChatEvent[]) {
        if (event.type === "message.delta") firstToken();
        else if (TERMINAL.has(event.type)) ended();
      }
    },
  });
  const sent = await httpJson("POST", `${appUrl}/v1/chats/${chatId}/messages`, auth, { clientMessageId: "bench-warm-up", text: "bench" });
  if (sent.status !== 202) throw new Error(`warm-up send: ${errorCodeOf(sent)}`);
  await started;
  const stopped = await httpJson("POST", `${appUrl}/v1/chats/${chatId}/stop`, auth, {});
  if (stopped.status >= 300) throw new Error(`warm-up stop: ${errorCodeOf(stopped)}`);
  await finished;
  tail.close();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
