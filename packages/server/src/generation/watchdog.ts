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

export function startWatchdog(controller: AbortController, limits: { idleMs: number; totalMs: number }) {
  const total = setTimeout(() => controller.abort(new GenerationTimeout("total", limits.totalMs)), limits.totalMs);
  let idle = setTimeout(() => controller.abort(new GenerationTimeout("idle", limits.idleMs)), limits.idleMs);
  return {
    /** Call on every chunk from the model. */
    touch() {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new GenerationTimeout("idle", limits.idleMs)), limits.idleMs);
    },
    stop() {
      clearTimeout(total);
      clearTimeout(idle);
    },
  };
}
