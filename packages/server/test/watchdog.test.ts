import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GenerationTimeout, startWatchdog } from "../src/generation/watchdog.js";

const reason = (controller: AbortController) => controller.signal.reason as GenerationTimeout | undefined;

/** `count` chunks, one every `everyMs`. */
function chunks(watchdog: { touch(): void }, count: number, everyMs: number): void {
  for (let i = 0; i < count; i++) {
    vi.advanceTimersByTime(everyMs);
    watchdog.touch();
  }
}

describe("startWatchdog", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("never fires while chunks keep coming, however long the answer (within the total)", () => {
    const controller = new AbortController();
    const watchdog = startWatchdog(controller, { idleMs: 1_000, totalMs: 60_000 });
    chunks(watchdog, 50, 900);
    expect(controller.signal.aborted).toBe(false);
    watchdog.stop();
  });

  it("aborts `idle` exactly idleMs after the last chunk", () => {
    const controller = new AbortController();
    const watchdog = startWatchdog(controller, { idleMs: 1_000, totalMs: 60_000 });
    vi.advanceTimersByTime(700);
    watchdog.touch(); // the silence now ends at 1,700
    vi.advanceTimersByTime(999);
    expect(controller.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(reason(controller)).toBeInstanceOf(GenerationTimeout);
    expect(reason(controller)?.kind).toBe("idle");
    watchdog.stop();
  });

  it("aborts `idle` when the model never sends a first chunk", () => {
    const controller = new AbortController();
    startWatchdog(controller, { idleMs: 500, totalMs: 60_000 });
    vi.advanceTimersByTime(500);
    expect(reason(controller)?.kind).toBe("idle");
  });

  it("aborts `total` even while chunks keep coming", () => {
    const controller = new AbortController();
    const watchdog = startWatchdog(controller, { idleMs: 1_000, totalMs: 5_000 });
    chunks(watchdog, 10, 500);
    expect(reason(controller)?.kind).toBe("total");
  });

  it("stop() leaves no timer behind", () => {
    const controller = new AbortController();
    const watchdog = startWatchdog(controller, { idleMs: 1_000, totalMs: 5_000 });
    vi.advanceTimersByTime(600);
    watchdog.touch();
    vi.advanceTimersByTime(400); // the idle timer fires and sleeps again for the 600 ms left
    expect(vi.getTimerCount()).toBe(2);
    watchdog.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(controller.signal.aborted).toBe(false);
  });
});
