/**
 * Group commit's load-adapted window (generation/append-window.ts): it widens step by step
 * while the event loop is busy, never past its maximum, holds in between, and narrows back to
 * the idle window once the loop calms down; a window whose maximum is its minimum is fixed (the
 * default with the embedded tier, also checked on a running server in overload.test.ts). And the
 * appender asks for the window before every append.
 */
import { describe, expect, it } from "vitest";
import { defaultAppendWindowMaxMs, nextWindow, startAppendWindow } from "../src/generation/append-window.js";
import { createGroupCommitAppender, type GroupCommitTimer } from "../src/streams/client/group-commit.js";

const rule = { minMs: 20, maxMs: 60 };

describe("append window", () => {
  it("widens while busy up to the maximum, holds in between, narrows back when calm", () => {
    const busy: number[] = [];
    let w = 20;
    for (let i = 0; i < 6; i++) busy.push((w = nextWindow(w, 0.9, rule)));
    expect(busy).toEqual([30, 45, 60, 60, 60, 60]);
    expect(nextWindow(45, 0.5, rule)).toBe(45);
    const calm: number[] = [];
    for (let i = 0; i < 4; i++) calm.push((w = nextWindow(w, 0.1, rule)));
    expect(calm).toEqual([40, 80 / 3, 20, 20]);
  });

  it("is fixed by default with the embedded tier, up to 3 × the narrowest with a remote one", () => {
    expect(defaultAppendWindowMaxMs({ embeddedStreams: true, minMs: 20 })).toBe(20);
    expect(defaultAppendWindowMaxMs({ embeddedStreams: false, minMs: 20 })).toBe(60);
  });

  it("is fixed when the maximum is the minimum", () => {
    const window = startAppendWindow({ minMs: 20, maxMs: 20, utilization: () => 1 });
    expect(window.current()).toBe(20);
    window.stop();
  });

  it("the appender waits the window as it is at each append", async () => {
    let now = 0;
    const sleeps: number[] = [];
    const timer: GroupCommitTimer = { now: () => now, sleep: async (ms) => void sleeps.push(ms) };
    const appended: unknown[][] = [];
    let windowMs = 20;
    const appender = createGroupCommitAppender<string>({
      client: { append: async (_stream, records) => (appended.push([...records]), { nextOffset: null, duplicate: false }) },
      stream: "s",
      key: "k",
      producerId: "p",
      minIntervalMs: () => windowMs,
      timer,
    });
    appender.push("a");
    await appender.flush();
    windowMs = 45;
    appender.push("b");
    await appender.flush();
    expect(appended).toEqual([["a"], ["b"]]);
    expect(sleeps).toEqual([45]);
  });
});
