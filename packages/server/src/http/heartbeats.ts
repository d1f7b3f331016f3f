/**
 * The SSE heartbeats of every live tail of a process, on ONE timer. Each tail used to have its
 * own `setInterval`: 10,000 idle tails woke the process 667 times a second at uneven moments
 * (a wake-up is a context switch, the main cost of an idle process on a virtual machine) and
 * held a timer each. Now the tails are dealt round-robin into `slots` groups and the timer
 * beats one group per `intervalMs / slots`: every tail still beats once per interval, the
 * process wakes `slots` times per interval, and no beat is a burst of every tail at once.
 *
 * ```ts
 * const heartbeats = createHeartbeats({ intervalMs: 15_000 });
 * const stop = heartbeats.add(() => void sink.write(": ping\n\n"));
 * // … when the tail ends:
 * stop();
 * ```
 */

export interface Heartbeats {
  /** Calls `beat` once per interval (the first within one interval) until the returned stop is called. */
  add(beat: () => void): () => void;
  /** Beats registered (for tests and metrics). */
  readonly size: number;
}

export interface HeartbeatOptions {
  intervalMs: number;
  /** Groups beaten in turn. Default 15 (one per second at the default 15 s interval). */
  slots?: number;
}

export function createHeartbeats({ intervalMs, slots = 15 }: HeartbeatOptions): Heartbeats {
  const groups = Array.from({ length: slots }, () => new Set<() => void>());
  let dealt = 0;
  let turn = 0;
  let size = 0;
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    const group = groups[turn]!;
    turn = (turn + 1) % slots;
    for (const beat of group) beat();
  };

  return {
    add(beat) {
      const group = groups[dealt]!;
      dealt = (dealt + 1) % slots;
      group.add(beat);
      size++;
      if (!timer) {
        timer = setInterval(tick, Math.max(1, intervalMs / slots));
        // Live tails keep the server's sockets open anyway; the beat alone keeps nothing alive.
        timer.unref();
      }
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        group.delete(beat);
        if (--size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    get size() {
      return size;
    },
  };
}
