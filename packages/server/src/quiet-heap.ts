/**
 * HEAP_QUIET_AFTER_MS: once this process has run no answer and received no request for that
 * long, V8 is told to favour memory over speed (`--optimize-for-size`) and to compact the old
 * generation at every full collection (`--compact-on-every-full-gc`) until the next request or
 * answer.
 *
 * Why: V8's memory reducer — the collections that compact the old generation and hand its empty
 * pages back — only runs when the heap allocates slowly or V8 is told to save memory. 10,000
 * idle tails allocated 2.2 MB/s (heartbeats, session checks; 0.44 MB/s since those were made
 * lean), enough for the reducer to wait forever: the old generation stayed at ~283 MB committed
 * for ~206 MB live. With the first flag set at run time the reducer runs (10,000 idle tails:
 * 542–564 → 463 MB, Intel Xeon, 2026-12-01), but its collections move only the emptiest pages:
 * 222 MB stayed committed for 165 MB live.
 * With the second, everything is compacted: 166 MB for 165, 419–428 MB of RSS. Under load the
 * first flag alone cost ~8 points of CPU and 12–30 % on token p50 at 100 answers, so neither is
 * ever on while an answer runs or requests arrive.
 *
 * V8 reads both flags whenever it decides on a collection, so setting them after start takes
 * effect, and clearing them gives V8's usual choices back. A process started with either on its
 * own command line — in either spelling, or as its `--no-` form — is left alone (Node refuses
 * both flags in NODE_OPTIONS, so the command line is the only place an operator can give them).
 */
import v8 from "node:v8";
import { givesV8Flag } from "./v8-flags.js";

const FLAGS = ["optimize-for-size", "compact-on-every-full-gc"];

export interface QuietHeapOptions {
  /** How long without requests and running answers counts as quiet. */
  quietAfterMs: number;
  /** Answers running (or being admitted) in this process now. */
  running: () => number;
  /** How often quiet is looked for. Default: every second, or `quietAfterMs` if shorter. */
  checkEveryMs?: number;
  now?: () => number;
  /** Where the flags go, one at a time (tests). Default: V8. */
  setFlag?: (flag: string) => void;
}

export interface QuietHeap {
  /** A request arrived: busy from now (cheap enough to call for every request). */
  touch(): void;
  /** Looks for quiet now (the timer does this every `checkEveryMs`). */
  check(): void;
  /** Whether the flags are set now. */
  readonly quiet: boolean;
  /** Stops looking, and clears the flags if they were set. */
  stop(): void;
}

/** The heap's quiet mode, or undefined when the process was started with one of its flags. */
export function startQuietHeap(options: QuietHeapOptions, execArgv: readonly string[] = process.execArgv): QuietHeap | undefined {
  if (FLAGS.some((flag) => givesV8Flag(execArgv, flag) || givesV8Flag(execArgv, `no-${flag}`))) return undefined;
  const now = options.now ?? (() => performance.now());
  const setFlag = options.setFlag ?? ((flag: string) => v8.setFlagsFromString(flag));
  let lastBusy = now();
  let quiet = false;

  const busy = () => {
    lastBusy = now();
    if (!quiet) return;
    quiet = false;
    for (const flag of FLAGS) setFlag(`--no-${flag}`);
  };
  const check = () => {
    if (options.running() > 0) return busy();
    if (quiet || now() - lastBusy < options.quietAfterMs) return;
    quiet = true;
    for (const flag of FLAGS) setFlag(`--${flag}`);
  };
  const timer = setInterval(check, options.checkEveryMs ?? Math.min(1_000, options.quietAfterMs));
  // Looking for quiet keeps nothing alive.
  timer.unref();

  return {
    touch: busy,
    check,
    get quiet() {
      return quiet;
    },
    stop() {
      clearInterval(timer);
      busy();
    },
  };
}
