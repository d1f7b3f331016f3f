/**
 * What the load generators measure per answer, whoever streams it (the app's tail or the
 * pass-through proxy): per token latency (receive − emission, first receipt of each token),
 * time to first token, how many pieces it came in, and finally lost/duplicated tokens.
 */
import { checkAnswer, nowUs, parseTokens } from "./clock.js";
import { peakOverlap, Samples, summarize, type Summary } from "./stats.js";

export class AnswerTrack {
  sendStartUs = 0;
  sendMs: number | undefined;
  failed: string | undefined;
  firstUs = 0;
  lastUs = 0;
  pieces = 0;
  done = false;
  terminal: string | undefined;
  private readonly seen: Uint8Array;

  constructor(
    readonly tokens: number,
    private readonly latencies: Samples,
  ) {
    this.seen = new Uint8Array(tokens);
  }

  /** A piece of answer text (a delta event, a model chunk) received at `atUs`. */
  received(text: string, atUs: number): void {
    this.pieces++;
    if (this.firstUs === 0) this.firstUs = atUs;
    this.lastUs = atUs;
    for (const { index, emittedUs } of parseTokens(text)) {
      if (index >= this.tokens || this.seen[index]) continue;
      this.seen[index] = 1;
      this.latencies.push((atUs - emittedUs) / 1000);
    }
  }
}

export interface LoadResult {
  users: number;
  /** Token emission → client receipt, ms. */
  latency: Summary;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  /** Events delivered twice on the wire (same event id), before any dedupe. */
  wireDuplicates: number;
  send: Summary;
  ttft: Summary;
  failedSends: Record<string, number>;
  /** Answers without their end (terminal event, `[DONE]`) by the deadline. */
  unfinished: number;
  terminals: Record<string, number>;
  /** The most answers streaming at one time (first to last piece received). */
  peakConcurrent: number;
  /** Pieces (delta events, chunks) per answer and per second of an answer: the app's append rate. */
  piecesPerAnswer: number;
  piecesPerSecond: number;
  durationMs: number;
}

/** Sums up one step; `finalText(i)` is answer i's text as the client ends up with it. */
export function summarizeAnswers(
  tracks: AnswerTrack[],
  latencies: Samples,
  finalText: (index: number) => string,
  extra: { wireDuplicates: number; durationMs: number },
): LoadResult {
  const failedSends: Record<string, number> = {};
  const terminals: Record<string, number> = {};
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let unfinished = 0;
  const sends: number[] = [];
  const ttft: number[] = [];
  const spans: Array<[number, number]> = [];
  let pieces = 0;
  let rateSum = 0;
  let rated = 0;
  tracks.forEach((track, i) => {
    if (track.failed) {
      failedSends[track.failed] = (failedSends[track.failed] ?? 0) + 1;
      return;
    }
    if (track.sendMs !== undefined) sends.push(track.sendMs);
    if (!track.done) unfinished++;
    if (track.terminal) terminals[track.terminal] = (terminals[track.terminal] ?? 0) + 1;
    const check = checkAnswer(finalText(i), track.tokens);
    lost += check.lost;
    duplicated += check.duplicated;
    outOfOrder += check.outOfOrder;
    if (track.firstUs) {
      ttft.push((track.firstUs - track.sendStartUs) / 1000);
      spans.push([track.firstUs, track.lastUs]);
      pieces += track.pieces;
      if (track.lastUs > track.firstUs) {
        rateSum += (track.pieces - 1) / ((track.lastUs - track.firstUs) / 1e6);
        rated++;
      }
    }
  });
  const answered = spans.length || 1;
  return {
    users: tracks.length,
    latency: summarize(latencies.values()),
    lost,
    duplicated,
    outOfOrder,
    wireDuplicates: extra.wireDuplicates,
    send: summarize(sends),
    ttft: summarize(ttft),
    failedSends,
    unfinished,
    terminals,
    peakConcurrent: peakOverlap(spans),
    piecesPerAnswer: pieces / answered,
    piecesPerSecond: rated ? rateSum / rated : 0,
    durationMs: extra.durationMs,
  };
}

/** Resolves when every track is done or at `deadline` (µs), whichever comes first. */
export function allDone(tracks: AnswerTrack[], deadlineUs: number, wake: { notify: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, (deadlineUs - nowUs()) / 1000));
    wake.notify = () => {
      if (tracks.every((t) => t.done)) {
        clearTimeout(timer);
        resolve();
      }
    };
    wake.notify();
  });
}

/** Start times spread evenly over one token interval, so N models do not emit in lockstep. */
export function staggerMs(user: number, users: number, tokensPerSecond: number): number {
  return (user * 1000) / tokensPerSecond / users;
}

/** A load generator's answers: how many users, tokens per answer, tokens/s, and when to give up (ms). */
export function answerLoadFromEnv(): { users: number; tokens: number; rate: number; deadlineMs: number } {
  const users = envNumber("BENCH_USERS", 10);
  const tokens = envNumber("BENCH_TOKENS", 200);
  const rate = envNumber("BENCH_TOKENS_PER_SECOND", 30);
  return { users, tokens, rate, deadlineMs: envNumber("BENCH_DEADLINE_MS", 2 * (tokens * 1000) / rate + 60_000) };
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}
