/**
 * Admission control for new answers in this process: past `cap` answers running here (plus
 * turns being admitted right now), a new send or regenerate is refused AT ONCE with
 * `503 overloaded` + `Retry-After`, before its request touches the database or the log — so a
 * refusal records nothing and charges nothing, and the answers already running keep their
 * latency instead of every answer slowing down together (README "Performance").
 *
 * Counted in memory: the cap protects this process's CPU and connections; other app servers
 * have their own. Turns in flight count from admission until their request ends, so a burst of
 * simultaneous sends cannot all pass before the first of them starts generating.
 */
import { DomainError } from "../domain-error.js";

/**
 * When to retry: a slot frees when an answer ends (seconds at typical lengths); the SDK's
 * outbox also backs off on its own.
 */
export const ADMISSION_RETRY_MS = 2_000;

/**
 * The default cap when nothing says how this process runs (services built directly, tests): on a
 * 2-core box one app process against the Bun tier held p99 token latency ≤ 250 ms at 100
 * concurrent answers. Past the cap more answers only make every answer late. Raise it on a
 * bigger box (MAX_RUNNING_ANSWERS_PER_PROCESS).
 */
export const DEFAULT_RUNNING_ANSWERS_PER_PROCESS = 100;

/**
 * The default cap of a server process, by where its log lives (bench:load on a 2-core box): with
 * a remote streams tier p99 194 ms at 150 answers and 275 ms at 200; with the embedded
 * streams-local, since its tails take acknowledged appends as pages (append-notices.ts), 191–227
 * ms at 75 and 220–322 ms at 100 (its thread's SQLite commits saturate there), where it was
 * 218 ms at 50 and 432 ms at 100 before.
 */
export function defaultRunningAnswers({ embeddedStreams }: { embeddedStreams: boolean }): number {
  return embeddedStreams ? 75 : 150;
}

export interface AnswerAdmission {
  /** Takes a slot for one new turn or throws `overloaded`; call the returned release once the request ends. */
  admit(): () => void;
  /** Answers running here plus turns being admitted. */
  readonly load: number;
  /** 0 = no cap. */
  readonly cap: number;
}

export function createAnswerAdmission(options: { cap: number; running: () => number }): AnswerAdmission {
  let admitting = 0;
  const load = () => admitting + options.running();
  return {
    cap: options.cap,
    get load() {
      return load();
    },
    admit() {
      if (options.cap > 0 && load() >= options.cap) {
        throw new DomainError("overloaded", `this server is running as many answers as it can (runningAnswersPerProcess: ${options.cap}); retry shortly`, {
          retryAfterMs: ADMISSION_RETRY_MS,
        });
      }
      admitting++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        admitting--;
      };
    },
  };
}
