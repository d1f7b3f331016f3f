/**
 * The live tails' heartbeats on one timer (src/http/heartbeats.ts): every tail beats once per
 * interval, a group at a time, and a stopped tail never again; no timer runs without tails.
 * Fake timers: the clock is the test's.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHeartbeats } from "../src/http/heartbeats.js";

describe("heartbeats", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("beats every tail once per interval, one group per slot, on a single timer", () => {
    const heartbeats = createHeartbeats({ intervalMs: 15_000, slots: 15 });
    const beats = Array.from({ length: 45 }, () => 0);
    const stops = beats.map((_, i) => heartbeats.add(() => beats[i]!++));
    expect(heartbeats.size).toBe(45);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(1_000); // one slot: 45 / 15 tails
    expect(beats.filter((n) => n === 1)).toHaveLength(3);
    vi.advanceTimersByTime(14_000); // the rest of the interval
    expect(beats.every((n) => n === 1)).toBe(true);
    vi.advanceTimersByTime(15_000);
    expect(beats.every((n) => n === 2)).toBe(true);

    stops[0]!();
    stops[0]!(); // twice is harmless
    vi.advanceTimersByTime(15_000);
    expect(beats[0]).toBe(2);
    expect(beats.slice(1).every((n) => n === 3)).toBe(true);
    for (const stop of stops) stop();
    expect(heartbeats.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a tail added later beats within one interval", () => {
    const heartbeats = createHeartbeats({ intervalMs: 15_000 });
    heartbeats.add(() => {});
    vi.advanceTimersByTime(7_000);
    let beaten = 0;
    heartbeats.add(() => beaten++);
    vi.advanceTimersByTime(15_000);
    expect(beaten).toBe(1);
  });
});
