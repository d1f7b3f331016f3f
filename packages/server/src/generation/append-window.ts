/**
 * Group commit's batching window, adapted to this process's load: the least time between two
 * appends of one answer starts at `minMs` and widens (up to `maxMs`) while the event loop is
 * busy, narrowing again as it calms down. A busy process thereby makes fewer, larger appends —
 * each append costs the app about the same CPU whatever it carries, so at 30 tokens/s an answer
 * that appended every token now appends every few — and the latency it adds is at most the
 * window, where queueing behind a saturated loop would add far more.
 *
 * The load signal is the event loop's utilisation (`performance.eventLoopUtilization`) over
 * the last `sampleMs`: above `high` the window grows by half, below `low` it shrinks by a third.
 * It runs only while answers run (the registry starts and stops it).
 */
import { performance } from "node:perf_hooks";

/**
 * The widest window when GENERATION_APPEND_INTERVAL_MAX_MS is not set, by where the log lives.
 * With the embedded streams-local the tier's work runs on this same event loop, so a busy loop
 * already slows every answer's one append in flight, and that batches its tokens: widening the
 * window on top only added latency. bench:load, embedded, 2-core Intel, six alternating pairs:
 * a fixed window gave token p50 3–4 ms instead of 7–37 ms at 10 answers (app CPU 61–63 vs 53–54 %),
 * p99 228–290 instead of 238–321 ms at 50 (the loop saturated either way, ~90 appends per
 * answer in both). With a remote tier the window protects this process's loop, and every
 * append it saves is one the shared tier does not take: up to 3 × the narrowest.
 */
export function defaultAppendWindowMaxMs({ embeddedStreams, minMs }: { embeddedStreams: boolean; minMs: number }): number {
  return embeddedStreams ? minMs : 3 * minMs;
}

export interface AppendWindowOptions {
  minMs: number;
  maxMs: number;
  /** How often the load is sampled. Default 250 ms. */
  sampleMs?: number;
  /** Utilisation above which the window grows. Default 0.6. */
  high?: number;
  /** Utilisation below which it shrinks. Default 0.35. */
  low?: number;
  /** The loop's utilisation since the previous call (tests pass their own). Default: the event loop's. */
  utilization?: () => number;
}

export interface AppendWindow {
  /** The window now, in ms. */
  current(): number;
  stop(): void;
}

export function startAppendWindow(options: AppendWindowOptions): AppendWindow {
  const { minMs } = options;
  const maxMs = Math.max(minMs, options.maxMs);
  const utilization = options.utilization ?? eventLoopUtilization();
  let windowMs = minMs;
  const timer =
    maxMs > minMs
      ? setInterval(() => {
          windowMs = nextWindow(windowMs, utilization(), { ...options, maxMs });
        }, options.sampleMs ?? 250)
      : undefined;
  timer?.unref();
  return {
    current: () => windowMs,
    stop: () => clearInterval(timer),
  };
}

/** One step of the rule: grow by half above `high`, shrink by a third below `low`, within [min, max]. */
export function nextWindow(windowMs: number, busy: number, options: Pick<AppendWindowOptions, "minMs" | "maxMs" | "high" | "low">): number {
  const { minMs, maxMs } = options;
  if (busy > (options.high ?? 0.6)) return Math.min(maxMs, Math.max(windowMs * 1.5, minMs + 5));
  if (busy < (options.low ?? 0.35)) return Math.max(minMs, windowMs / 1.5);
  return windowMs;
}

/** Utilisation of this process's event loop between consecutive calls. */
function eventLoopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}
