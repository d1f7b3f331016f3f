/**
 * Idle and total timeouts for one generation. Aborts the model request with a reason the
 * generator turns into `message.error` (code model_timeout, retryable).
 */
export class GenerationTimeout extends Error {
  constructor(readonly kind: "idle" | "total", ms: number) {
    super(kind === "idle" ? `the model sent nothing for ${ms} ms` : `the answer took longer than ${ms} ms`);
    this.name = "GenerationTimeout";
  }
}

/**
 * `touch()` runs for every chunk of every answer (thousands a second on a loaded process), so it
 * only notes the time: the idle timer, when it fires, sleeps again for whatever is left of the
 * silence it allows. Re-creating a timer per chunk (clearTimeout + setTimeout) cost ~3 % of a
 * loaded app's CPU.
 */
export function startWatchdog(controller: AbortController, limits: { idleMs: number; totalMs: number }) {
  const total = setTimeout(() => controller.abort(new GenerationTimeout("total", limits.totalMs)), limits.totalMs);
  let lastChunkAt = Date.now();
  const checkIdle = () => {
    const left = lastChunkAt + limits.idleMs - Date.now();
    if (left > 0) idle = setTimeout(checkIdle, left);
    else controller.abort(new GenerationTimeout("idle", limits.idleMs));
  };
  let idle = setTimeout(checkIdle, limits.idleMs);
  return {
    /** Call on every chunk from the model. */
    touch() {
      lastChunkAt = Date.now();
    },
    stop() {
      clearTimeout(total);
      clearTimeout(idle);
    },
  };
}
