/**
 * HEAP_QUIET_AFTER_MS: once this process has run no answer and received no request for that
 * long, V8 is told to favour memory over speed (`--optimize-for-size`) until the next request
 * or answer.
 *
 * Why: V8's memory reducer — the collections that compact the old generation and hand its empty
 * pages back — only runs when the heap allocates slowly or V8 is told to save memory. 10,000
 * idle tails allocate 1.5–2 MB/s (heartbeats, session checks), enough for the reducer to wait
 * forever: the old generation stayed at ~283 MB committed for ~206 MB live. With the flag set
 * at run time the reducer runs and the process held 441 instead of 542–564 MB (Intel Xeon,
 * 2026-12-01). Under load the same flag cost ~8 points of CPU and 12–30 % on token p50 at 100
 * answers, so it is never on while an answer runs or requests arrive.
 *
 * V8 reads the flag whenever it decides on a collection, so setting it after start takes
 * effect, and clearing it gives V8's usual choices back. A process started with the flag on its
 * own command line keeps it: it is then left alone.
 */
import v8 from "node:v8";

const FLAG = "--optimize-for-size";

export interface QuietHeapOptions {
  /** How long without requests and running answers counts as quiet. */
  quietAfterMs: number;
  /** Answers running (or being admitted) in this process now. */
  running: () => number;
  /** How often quiet is looked for. Default: every second, or `quietAfterMs` if shorter. */
  checkEveryMs?: number;
  now?: () => number;
  /** Where the flag goes (tests). Default: V8. */
  setFlag?: (flag: string) => void;
}

export interface QuietHeap {
  /** A request arrived: busy from now (cheap enough to call for every request). */
  touch(): void;
  /** Looks for quiet now (the timer does this every `checkEveryMs`). */
  check(): void;
  /** Whether the flag is set now. */
  readonly quiet: boolean;
  /** Stops looking, and clears the flag if it was set. */
  stop(): void;
}

/** The heap's quiet mode, or undefined when the process was started with the flag itself. */
export function startQuietHeap(options: QuietHeapOptions, execArgv: readonly string[] = process.execArgv): QuietHeap | undefined {
  if (execArgv.includes(FLAG)) return undefined;
  const now = options.now ?? (() => performance.now());
  const setFlag = options.setFlag ?? ((flag: string) => v8.setFlagsFromString(flag));
  let lastBusy = now();
  let quiet = false;

  const busy = () => {
    lastBusy = now();
    if (!quiet) return;
    quiet = false;
    setFlag(`--no-${FLAG.slice(2)}`);
  };
  const check = () => {
    if (options.running() > 0) return busy();
    if (quiet || now() - lastBusy < options.quietAfterMs) return;
    quiet = true;
    setFlag(FLAG);
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
