/**
 * The load harness's own arithmetic (bench/load): a benchmark that miscounts lost tokens or
 * capacity would report a regression as a success.
 */
import { describe, expect, it } from "vitest";
import { checkAnswer, parseTokens, stampToken } from "../bench/load/clock.js";
import { inLanes } from "../bench/load/lanes.js";
import type { FloorResult } from "../bench/load/load-floor.js";
import { appendBudget, capacity, cpuPerAppendUs, renderReport, type RunReport, type StepResult } from "../bench/load/report.js";
import { peakOverlap, summarize } from "../bench/load/stats.js";

const script = (indices: number[]) => indices.map((i) => `${i}@${1000 + i} `).join("");

describe("load harness", () => {
  it("reads back the index and emission time of stamped tokens however they were merged", () => {
    const text = stampToken(0) + stampToken(1);
    expect(parseTokens(text).map((t) => t.index)).toEqual([0, 1]);
    expect(parseTokens(script([7]))).toEqual([{ index: 7, emittedUs: 1007 }]);
  });

  it("counts lost, duplicated and reordered tokens against the script", () => {
    expect(checkAnswer(script([0, 1, 2, 3]), 4)).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(checkAnswer(script([0, 1, 1, 3]), 4)).toEqual({ lost: 1, duplicated: 1, outOfOrder: 1 });
    expect(checkAnswer("", 3).lost).toBe(3);
  });

  it("takes percentiles as the nearest rank", () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(s).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it("counts the answers running at one time", () => {
    expect(peakOverlap([[0, 10], [5, 15], [10, 20], [30, 40]])).toBe(2);
  });

  it("ends capacity at the first step that fails any criterion", () => {
    const step = (users: number, p99: number, extra: Partial<StepResult["load"]> = {}): StepResult => ({
      config: "bun",
      users,
      usage: {},
      load: {
        users, latency: { count: 1, p50: 1, p90: 1, p99, max: p99 }, lost: 0, duplicated: 0, outOfOrder: 0, wireDuplicates: 0,
        send: summarize([1]), ttft: summarize([1]), failedSends: {}, unfinished: 0, terminals: {}, peakConcurrent: users,
        piecesPerAnswer: 1, piecesPerSecond: 1, durationMs: 1, ...extra,
      },
    });
    expect(capacity([step(10, 100), step(50, 240), step(100, 300)], "bun")).toEqual({ users: 50, allPassed: false });
    expect(capacity([step(10, 100), step(50, 100, { failedSends: { "503 streams_unavailable": 1 } }), step(100, 100)], "bun").users).toBe(10);
    expect(capacity([step(10, 100), step(50, 100, { lost: 1 })], "bun").users).toBe(10);
    expect(capacity([step(10, 100), step(50, 100)], "bun")).toEqual({ users: 50, allPassed: true });
  });

  it("runs a setup in lanes: results in order, at most `width` at once, the first failure stops every lane", async () => {
    let running = 0;
    let widest = 0;
    const results = await inLanes(10, 3, async (i) => {
      widest = Math.max(widest, ++running);
      await Promise.resolve();
      running--;
      return i * 2;
    });
    expect(results).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(widest).toBe(3);

    const started: number[] = [];
    const failing = inLanes(100, 4, async (i) => {
      started.push(i);
      await Promise.resolve();
      if (i === 1) throw new Error("refused");
      return i;
    });
    await expect(failing).rejects.toThrow("refused");
    expect(started.length).toBeLessThan(10);
    expect(await inLanes(0, 4, async () => 1)).toEqual([]);
  });

  it("says in the report which settings were not the defaults", () => {
    const machine = { cpu: "cpu", cores: 2, memoryGiB: 24, loadAverageAtStart: 0, node: "v24", bun: "1", postgres: "15", packages: {} };
    const run = (overrides?: Record<string, string>): RunReport => ({ startedAt: "t", quick: true, machine, settings: { tokens: 200, rate: 30, steps: [], configs: ["bun"], ...(overrides ? { overrides } : {}) }, results: [] });
    expect(renderReport(run({ HEAP_GROWTH_PERCENT: "20", BENCH_WORKERS: "2" }))).toContain("Not the defaults: HEAP_GROWTH_PERCENT=20, BENCH_WORKERS=2.");
    expect(renderReport(run({}))).not.toContain("Not the defaults");
    expect(renderReport(run())).not.toContain("Not the defaults");
    // The commit measured, when known (older results have none).
    expect(renderReport(run())).not.toContain("Code:");
    expect(renderReport({ ...run(), machine: { ...machine, code: "abc1234 + changes" } })).toContain("Code: abc1234 + changes.");
  });

  it("puts each process's CPU per append and the answers one core carries beside the step", () => {
    expect(cpuPerAppendUs(50, 1000)).toBe(500);
    expect(cpuPerAppendUs(undefined, 1000)).toBeNaN();
    expect(cpuPerAppendUs(50, 0)).toBeNaN();
    // 100 answers of 100 appends each over 10 s: 1,000 appends/s; the app at 80 % of a core, the tier at 20 %.
    const load = { ...summaryLoad(100), piecesPerAnswer: 100, durationMs: 10_000 };
    const step: StepResult = { config: "bun", users: 100, load, usage: { app: { cpuPercent: 80, peakRssMb: 1 }, streams: { cpuPercent: 20, peakRssMb: 1 } } };
    expect(appendBudget(step)).toEqual({ appendsPerSecond: 1000, appUs: 800, tierUs: 200, answersPerAppCore: 125, answersPerTierCore: 500 });
    // Refused sends made no appends and are not answers.
    const refused = appendBudget({ ...step, load: { ...load, failedSends: { "503 overloaded": 50 } } });
    expect(refused.appendsPerSecond).toBe(500);
    expect(refused.answersPerAppCore).toBeCloseTo(62.5);
  });

  it("reports the tier's own limit: achieved rate, latency and CPU per append at each offered rate", () => {
    const machine = { cpu: "cpu", cores: 2, memoryGiB: 24, loadAverageAtStart: 0, node: "v24", bun: "1", postgres: "15", packages: {} };
    const floor = (rate: number, achieved: number, cpuPercent: number): FloorResult => ({
      users: 200, appendsPerUser: 30, ratePerUser: rate / 200, latency: summarize([1, 2, 3]), failures: {}, behindScheduleMs: 0, durationMs: 6000,
      appendsPerSecond: achieved, usage: { streams: { cpuPercent, peakRssMb: 1 }, loadgen: { cpuPercent: 30, peakRssMb: 1 } },
    });
    const report: RunReport = {
      startedAt: "t", quick: false, machine, settings: { tokens: 200, rate: 30, steps: [], configs: ["bun"] }, results: [],
      extras: { tierLimit: [floor(1000, 1000, 40), floor(8000, 7500, 90)] },
    };
    const text = renderReport(report);
    expect(text).toContain("| 1000 | 1000 | 2.0 | 3.0 | 3.0 | 3.0 | 0 | 40 | 400 | 30 | 0 |");
    expect(text).toContain("| 8000 | 7500 |");
    expect(text).toContain("| 90 | 120 |");
    expect(renderReport({ ...report, extras: { tierLimit: { error: "tier did not start" } } })).toContain("The tier's own limit: failed (tier did not start).");
  });
});

function summaryLoad(users: number): StepResult["load"] {
  return {
    users, latency: summarize([1]), lost: 0, duplicated: 0, outOfOrder: 0, wireDuplicates: 0, send: summarize([1]), ttft: summarize([1]),
    failedSends: {}, unfinished: 0, terminals: {}, peakConcurrent: users, piecesPerAnswer: 1, piecesPerSecond: 1, durationMs: 1,
  };
}
