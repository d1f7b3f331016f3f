/**
 * Process entry: the same load against the non-durable pass-through proxy. Each of N users
 * POSTs one streaming completion through the proxy and reads the model's chunks as relayed;
 * "send" is the time to the response headers, the final text the concatenated chunk contents.
 *
 * Environment: PROXY_URL (ending in /v1), BENCH_USERS, BENCH_TOKENS, BENCH_TOKENS_PER_SECOND, BENCH_DEADLINE_MS.
 */
import { AnswerTrack, allDone, answerLoadFromEnv, staggerMs, summarizeAnswers } from "./answers.js";
import { nowUs } from "./clock.js";
import { openSse } from "./http.js";
import { Samples } from "./stats.js";
import { runWorker, sendToParent } from "./worker.js";

runWorker(async () => {
  const proxyUrl = process.env.PROXY_URL;
  if (!proxyUrl) throw new Error("PROXY_URL is required");
  const { users, tokens, rate, deadlineMs } = answerLoadFromEnv();

  const latencies = new Samples();
  const tracks = Array.from({ length: users }, () => new AnswerTrack(tokens, latencies));
  const texts = tracks.map(() => "");
  const wake = { notify: () => {} };
  const body = JSON.stringify({ model: "bench-model", stream: true, messages: [{ role: "user", content: "bench" }] });

  sendToParent({ type: "phase", phase: "measure-start" });
  const start = nowUs();
  const streams = tracks.map(async (track, i) => {
    await new Promise((resolve) => setTimeout(resolve, staggerMs(i, users, rate)));
    track.sendStartUs = nowUs();
    const finish = (failed?: string) => {
      if (track.done) return;
      if (failed) track.failed = failed;
      track.done = true;
      wake.notify();
    };
    try {
      const response = await openSse(`${proxyUrl}/chat/completions`, {
        method: "POST",
        body,
        onFrame(frame) {
          const at = nowUs();
          if (frame.data === "[DONE]") {
            track.terminal = "[DONE]";
            return finish();
          }
          const content = (JSON.parse(frame.data) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content;
          if (!content) return;
          texts[i] += content;
          track.received(content, at);
        },
        onEnd: (error) => finish(error && !track.terminal ? `connection ${error.message}` : undefined),
      });
      track.sendMs = (nowUs() - track.sendStartUs) / 1000;
      if (response.status !== 200) finish(String(response.status));
      return response;
    } catch (error) {
      finish(`connection ${(error as Error).message}`);
      return undefined;
    }
  });
  await allDone(tracks, start + deadlineMs * 1000, wake);
  const durationMs = (nowUs() - start) / 1000;
  sendToParent({ type: "phase", phase: "measure-end" });
  for (const stream of await Promise.all(streams)) stream?.close();

  return summarizeAnswers(tracks, latencies, (i) => texts[i]!, { wireDuplicates: 0, durationMs });
});
