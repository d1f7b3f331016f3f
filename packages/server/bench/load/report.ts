/**
 * The result files: `bench/results/<date>.json` (everything measured) and `<date>.md` (the
 * tables the README quotes). Capacity is the largest step N, from the smallest up, where every
 * step so far had p99 ≤ 250 ms, nothing lost or duplicated, every send accepted and every
 * answer finished.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LoadResult } from "./answers.js";
import { CONFIG_LABELS, type ConfigName } from "./config-names.js";
import type { MachineInfo } from "./machine.js";
import type { ProcessUsage } from "./proc-stats.js";
import type { Summary } from "./stats.js";
import type { ColdStart } from "./extras.js";
import type { FloorResult } from "./load-floor.js";
import type { IdleResult } from "./load-idle.js";
import type { CatchUpResult } from "./load-catchup.js";

type Failed = { error: string };
const failed = (value: object): value is Failed => "error" in value;

export const CAPACITY_P99_MS = 250;

export interface StepResult {
  config: ConfigName;
  users: number;
  load: LoadResult;
  usage: Record<string, ProcessUsage>;
  /** Spawn → listening, fresh database (migrations included) and data folder. */
  appStartMs?: number;
  /** The app's first distinct error log lines during the step. */
  appErrors?: string[];
  floor?: FloorResult;
}

export interface RunReport {
  startedAt: string;
  quick: boolean;
  machine: MachineInfo;
  settings: { tokens: number; rate: number; steps: number[]; configs: ConfigName[]; overrides?: Record<string, string> };
  results: StepResult[];
  /** Steps that could not be measured (twice), with why. */
  failures?: Array<{ config: ConfigName; users: number; error: string }>;
  extras?: {
    coldStart?: ColdStart | Failed;
    idle?: Partial<Record<"bun" | "embedded", IdleResult | Failed>>;
    catchUp?: CatchUpResult[] | Failed;
    /** The Bun tier alone under rising append rates (extras.ts tierLimit). */
    tierLimit?: FloorResult[] | Failed;
  };
}

const failedSends = (load: LoadResult) => Object.values(load.failedSends).reduce((a, b) => a + b, 0);

export function passes(load: LoadResult): boolean {
  return load.latency.p99 <= CAPACITY_P99_MS && load.lost === 0 && load.duplicated === 0 && failedSends(load) === 0 && load.unfinished === 0;
}

export function capacity(results: StepResult[], config: ConfigName): { users: number; allPassed: boolean } {
  let users = 0;
  const steps = results.filter((r) => r.config === config).sort((a, b) => a.users - b.users);
  for (const step of steps) {
    if (!passes(step.load)) return { users, allPassed: false };
    users = step.users;
  }
  return { users, allPassed: true };
}

/** CPU microseconds per append of one process: its share of a core over the appends per second it handled. */
export function cpuPerAppendUs(cpuPercent: number | undefined, appendsPerSecond: number): number {
  return cpuPercent === undefined || appendsPerSecond <= 0 ? Number.NaN : (cpuPercent / 100) * 1e6 / appendsPerSecond;
}

/**
 * Where a Bun step's CPU went: the app's appends per second over the measured window (every
 * piece a tail received was one append), the app's and the tier's CPU per append, and how many
 * answers like these (send included) one whole core would carry for each process alone.
 */
export function appendBudget(step: StepResult): { appendsPerSecond: number; appUs: number; tierUs: number; answersPerAppCore: number; answersPerTierCore: number } {
  const answered = step.load.users - failedSends(step.load);
  const appendsPerSecond = (step.load.piecesPerAnswer * answered) / (step.load.durationMs / 1000);
  const perCore = (cpuPercent: number | undefined) => (cpuPercent ? answered / (cpuPercent / 100) : Number.NaN);
  return {
    appendsPerSecond,
    appUs: cpuPerAppendUs(step.usage.app?.cpuPercent, appendsPerSecond),
    tierUs: cpuPerAppendUs(step.usage.streams?.cpuPercent, appendsPerSecond),
    answersPerAppCore: perCore(step.usage.app?.cpuPercent),
    answersPerTierCore: perCore(step.usage.streams?.cpuPercent),
  };
}

const ms = (value: number) => (Number.isNaN(value) ? "–" : value >= 100 ? value.toFixed(0) : value.toFixed(1));
const count = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "–");
const ratio = (ours: number, floor: number) => (floor > 0 ? `${(ours / floor).toFixed(1)}×` : "–");

export function renderReport(report: RunReport): string {
  const { machine, settings, results } = report;
  const lines: string[] = [];
  lines.push(`# Load benchmark ${report.startedAt}${report.quick ? " (quick)" : ""}`, "");
  lines.push(
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, load average ${machine.loadAverageAtStart} at start; ` +
      `Node ${machine.node}, Bun ${machine.bun}, Postgres ${machine.postgres}; ` +
      Object.entries(machine.packages).map(([name, version]) => `${name} ${version}`).join(", ") + ".",
    "",
    ...(machine.code ? [`Code: ${machine.code}.`, ""] : []),
    `Every answer: ${settings.tokens} tokens at ${settings.rate} tokens/s from a timestamping model process; latency = client receipt − emission ` +
      `(one monotonic clock for all processes). One chat per user, one live SSE tail per chat, one send per user. ` +
      `Capacity: largest N with p99 ≤ ${CAPACITY_P99_MS} ms, 0 lost, 0 duplicated, 0 failed sends, every answer finished.`,
    "",
  );
  // A run with other settings than the defaults must never pass for a default run.
  const overrides = Object.entries(settings.overrides ?? {});
  if (overrides.length > 0) lines.push(`Not the defaults: ${overrides.map(([name, value]) => `${name}=${value}`).join(", ")}.`, "");

  if (results.length > 0) lines.push(...renderSteps(report));
  for (const f of report.failures ?? []) lines.push(`Not measured: ${CONFIG_LABELS[f.config]} at N=${f.users}: ${f.error}`, "");
  if (report.extras) lines.push(...renderExtras(report.extras));
  return lines.join("\n");
}

function renderSteps({ settings, results }: RunReport): string[] {
  const configs = settings.configs;
  const lines: string[] = [];
  // Side by side.
  const header = ["concurrent answers", ...configs.map((c) => `${CONFIG_LABELS[c]} p50 / p99 ms`)];
  if (configs.includes("bun")) header.push("Bun tier's own append p50 / p99 ms", "ours (Bun) ÷ floor p50 / p99");
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`);
  for (const users of settings.steps) {
    const row = [String(users)];
    for (const config of configs) {
      const step = results.find((r) => r.config === config && r.users === users);
      row.push(step ? `${ms(step.load.latency.p50)} / ${ms(step.load.latency.p99)}${passes(step.load) ? "" : " ✗"}` : "–");
    }
    if (configs.includes("bun")) {
      const bun = results.find((r) => r.config === "bun" && r.users === users);
      const floor = bun?.floor;
      row.push(floor ? `${ms(floor.latency.p50)} / ${ms(floor.latency.p99)}` : "–");
      row.push(bun && floor ? `${ratio(bun.load.latency.p50, floor.latency.p50)} / ${ratio(bun.load.latency.p99, floor.latency.p99)}` : "–");
    }
    lines.push(`| ${row.join(" | ")} |`);
  }
  lines.push("", "✗ = fails the capacity criteria (see the details below).", "");
  lines.push("Capacity: " + configs.map((c) => {
    const cap = capacity(results, c);
    const smallest = Math.min(...settings.steps);
    return `${CONFIG_LABELS[c]} **${cap.users === 0 ? `< ${smallest}` : cap.users}**${cap.allPassed ? " (every step passed: at least this)" : ""}`;
  }).join("; ") + ".", "");

  // Details per configuration.
  for (const config of configs) {
    const steps = results.filter((r) => r.config === config);
    if (steps.length === 0) continue;
    const names = [...new Set(steps.flatMap((s) => Object.keys(s.usage)))];
    lines.push(`## ${CONFIG_LABELS[config]}`, "");
    const cols = ["N", "p50", "p90", "p99", "max", "lost", "dup", "failed sends", "unfinished", "send p50 / p99", "TTFT p50 / p99", "peak running", "pieces/answer", ...names.map((n) => `${n} CPU % / RSS MB`)];
    if (config !== "proxy") cols.push("app start ms");
    lines.push(`| ${cols.join(" | ")} |`, `|${cols.map(() => " --- ").join("|")}|`);
    for (const s of steps) {
      const l = s.load;
      const failed = Object.entries(l.failedSends).map(([code, n]) => `${n}× ${code}`).join(", ") || "0";
      const row = [
        s.users, ms(l.latency.p50), ms(l.latency.p90), ms(l.latency.p99), ms(l.latency.max), l.lost, l.duplicated, failed, l.unfinished,
        `${ms(l.send.p50)} / ${ms(l.send.p99)}`, `${ms(l.ttft.p50)} / ${ms(l.ttft.p99)}`, l.peakConcurrent, l.piecesPerAnswer.toFixed(0),
        ...names.map((n) => (s.usage[n] ? `${s.usage[n]!.cpuPercent} / ${s.usage[n]!.peakRssMb}` : "–")),
      ];
      if (config !== "proxy") row.push(s.appStartMs === undefined ? "–" : s.appStartMs.toFixed(0));
      lines.push(`| ${row.join(" | ")} |`);
    }
    const odd = steps.filter((s) => Object.keys(s.load.terminals).some((t) => t !== "message.completed" && t !== "[DONE]") || s.load.wireDuplicates || s.load.outOfOrder);
    for (const s of odd) lines.push("", `N=${s.users}: ends ${JSON.stringify(s.load.terminals)}, wire duplicates ${s.load.wireDuplicates}, out of order ${s.load.outOfOrder}`);
    for (const s of steps.filter((s) => s.appErrors?.length)) lines.push("", `N=${s.users}, the app logged: ${s.appErrors!.map((e) => `\`${e.replaceAll("`", "'")}\``).join("; ")}`);
    lines.push("");
    const floors = steps.filter((s) => s.floor);
    if (floors.length) {
      lines.push("Floor (direct appends to the same tier, one stream per user, one append in flight each, at the app's append rate):", "");
      lines.push("| N | appends/s per stream | appends/s total | p50 | p90 | p99 | max | failed | streams CPU % / RSS MB | loadgen CPU % |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const s of floors) {
        const f = s.floor!;
        const failed = Object.entries(f.failures).map(([code, n]) => `${n}× ${code}`).join(", ") || "0";
        lines.push(`| ${s.users} | ${f.ratePerUser.toFixed(1)} | ${f.appendsPerSecond.toFixed(0)} | ${ms(f.latency.p50)} | ${ms(f.latency.p90)} | ${ms(f.latency.p99)} | ${ms(f.latency.max)} | ${failed} | ${f.usage.streams?.cpuPercent ?? "–"} / ${f.usage.streams?.peakRssMb ?? "–"} | ${f.usage.loadgen?.cpuPercent ?? "–"} |`);
      }
      lines.push("");
      lines.push(
        "CPU per append in the steps above (every piece a tail received was one append, carrying every token since the previous one; over the measured window, sends included). " +
          "\"Answers per core\": how many such answers one whole core would carry for that process alone:",
        "",
        "| N | app appends/s | app CPU µs per append | tier CPU µs per append | answers per core: app / tier |",
        "| --- | --- | --- | --- | --- |",
      );
      for (const s of floors) {
        const b = appendBudget(s);
        lines.push(`| ${s.users} | ${b.appendsPerSecond.toFixed(0)} | ${count(b.appUs)} | ${count(b.tierUs)} | ${count(b.answersPerAppCore)} / ${count(b.answersPerTierCore)} |`);
      }
      lines.push("");
      if (floors.some((s) => (s.floor!.usage.loadgen?.cpuPercent ?? 0) >= 90)) {
        lines.push("A floor step whose load generator used ≥ 90% of a core measured the generator as much as the tier: read it as an upper bound.", "");
      }
    }
    if (steps.some((s) => (s.usage.loadgen?.cpuPercent ?? 0) >= 90)) {
      lines.push("A step whose load generator used ≥ 90% of a core is bounded by the generator too.", "");
    }
  }
  return lines;
}

function renderExtras(extras: NonNullable<RunReport["extras"]>): string[] {
  const lines: string[] = ["## Cold start, idle tails, fan-out, catch-up, the tier's limit", ""];
  const cold = extras.coldStart;
  if (cold) {
    lines.push(failed(cold)
      ? `Cold start: failed (${cold.error}).`
      : `Cold start to listening, everything embedded (PGlite + streams-local): fresh data folder ${cold.embeddedFreshMs.toFixed(0)} ms, same folder again ${cold.embeddedExistingMs.toFixed(0)} ms. With Postgres (a fresh database, migrations included): "app start ms" in the tables above.`, "");
  }
  for (const [config, idle] of Object.entries(extras.idle ?? {})) {
    if (!idle) continue;
    const label = CONFIG_LABELS[config as ConfigName];
    if (failed(idle)) {
      lines.push(`Idle tails, ${label}: failed (${idle.error}).`, "");
      continue;
    }
    lines.push(`Idle live tails, ${label} (one guest and chat per tail; CPU over a quiet window):`, "");
    lines.push("| tails | app RSS MB | app fds | app idle CPU % | tier idle CPU % | opening them took ms |", "| --- | --- | --- | --- | --- | --- |");
    for (const level of idle.levels) {
      lines.push(`| ${level.tails} | ${level.appRssMb} | ${level.appFds} | ${level.appIdleCpuPercent} | ${level.tierIdleCpuPercent ?? "(in the app)"} | ${level.openMs.toFixed(0)} |`);
    }
    if (idle.refusedAt !== undefined) lines.push("", `At ${idle.refusedAt} open tails the app refused the next one (429: its live-tail budget, from the open-file limit); no higher level was run.`);
    if (idle.fanOut) {
      const f = idle.fanOut;
      lines.push("", `Fan-out: one append (a rename) to a chat with ${f.tails} live tails reached them in p50 ${ms(f.latency.p50)} / p99 ${ms(f.latency.p99)} / max ${ms(f.latency.max)} ms${f.missing ? `; ${f.missing} tails never got it` : ""}.`);
      if (f.parked) {
        const p = f.parked;
        lines.push("", `The same once the chat was quiet and its upstream read parked (woken by the wake notice): p50 ${ms(p.latency.p50)} / p99 ${ms(p.latency.p99)} / max ${ms(p.latency.max)} ms${p.missing ? `; ${p.missing} tails never got it` : ""}.`);
      }
    }
    lines.push("");
  }
  const catchUp = extras.catchUp;
  if (catchUp) {
    if (failed(catchUp)) lines.push(`Reconnect catch-up: failed (${catchUp.error}).`, "");
    else {
      lines.push("Reconnect catch-up from the start of a chat (Bun tier):", "", "| events in the chat | SSE until caught up ms | events received | catch-up JSON pages ms | pages |", "| --- | --- | --- | --- | --- |");
      for (const c of catchUp) lines.push(`| ${c.events} | ${c.sseMs.toFixed(0)} | ${c.sseEvents} | ${c.jsonMs.toFixed(0)} | ${c.jsonPages} |`);
      lines.push("");
    }
  }
  const limit = extras.tierLimit;
  if (limit) {
    if (failed(limit)) lines.push(`The tier's own limit: failed (${limit.error}).`, "");
    else {
      lines.push(
        `The Bun tier's own limit (the tier alone, ${limit[0]?.users ?? 0} streams with one append in flight each, delta-sized events with producer headers, rising rates; nothing else of ours running):`,
        "",
        "| offered appends/s | achieved appends/s | p50 | p90 | p99 | max | failed | tier CPU % | tier CPU µs per append | loadgen CPU % | behind schedule ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      );
      for (const f of limit) {
        const failures = Object.entries(f.failures).map(([code, n]) => `${n}× ${code}`).join(", ") || "0";
        const cpu = f.usage.streams?.cpuPercent;
        lines.push(`| ${(f.ratePerUser * f.users).toFixed(0)} | ${f.appendsPerSecond.toFixed(0)} | ${ms(f.latency.p50)} | ${ms(f.latency.p90)} | ${ms(f.latency.p99)} | ${ms(f.latency.max)} | ${failures} | ${cpu ?? "–"} | ${count(cpuPerAppendUs(cpu, f.appendsPerSecond))} | ${f.usage.loadgen?.cpuPercent ?? "–"} | ${f.behindScheduleMs.toFixed(0)} |`);
      }
      lines.push("", "Achieved below offered, or a load generator near 100 % of a core, means the rate was not reached: read that row as a bound.", "");
    }
  }
  return lines;
}

/** Writes `<date>.md` and `<date>.json` under bench/results; returns their paths. */
export function writeReport(report: RunReport): string[] {
  const dir = fileURLToPath(new URL("../results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.slice(0, 16).replace(":", "") + (report.quick ? "-quick" : "");
  const md = `${dir}${stamp}.md`;
  const json = `${dir}${stamp}.json`;
  writeFileSync(md, `${renderReport(report)}\n`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}
