/**
 * CPU and memory of a process and its descendants (the streams CLI runs Bun as a child), from
 * /proc: utime + stime in clock ticks, RSS from VmRSS. Linux only; elsewhere the figures are empty.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Worker } from "./worker.js";

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI we run on

function tree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const tasks = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").trim();
      if (tasks) pids.push(...tasks.split(/\s+/).map(Number));
    } catch {
      // gone, or not Linux
    }
  }
  return pids;
}

/** CPU seconds used so far by `pid` and its descendants. */
export function cpuSeconds(pid: number): number {
  return tree(pid).reduce((sum, p) => sum + ownCpuSeconds(p), 0);
}

/** CPU seconds used so far by every process with this command name (e.g. every `postgres` backend). */
export function cpuSecondsOfCommand(command: string): number {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return 0; // not Linux
  }
  return pids.reduce((sum, p) => sum + ownCpuSeconds(Number(p), command), 0);
}

/** CPU seconds of one process (not its descendants); 0 when it is gone or, given `command`, is another program. */
function ownCpuSeconds(pid: number, command?: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (command !== undefined && !stat.startsWith(`${pid} (${command}) `)) return 0;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return 0; // exited meanwhile
  }
}

/** Resident memory of `pid` and its descendants, MB. */
export function rssMb(pid: number): number {
  let kb = 0;
  for (const p of tree(pid)) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (match) kb += Number(match[1]);
    } catch {
      // exited meanwhile
    }
  }
  return kb / 1024;
}

/** Open file descriptors of `pid` alone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

export interface ProcessUsage {
  /** Share of one core over the measured window, %. */
  cpuPercent: number;
  /** Peak resident memory sampled during the window, MB. */
  peakRssMb: number;
}

/**
 * Watches named processes between `start()` and `stop()`: CPU from the difference of the
 * counters, RSS sampled every 250 ms (a measurement, nothing waits on it).
 */
export class UsageWindow {
  private cpuAtStart = new Map<string, number>();
  private peaks = new Map<string, number>();
  private startedMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.startedMs = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) {
      this.cpuAtStart.set(name, cpuSeconds(pid));
      this.peaks.set(name, rssMb(pid));
    }
    this.timer = setInterval(() => {
      for (const [name, pid] of Object.entries(this.pids)) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rssMb(pid)));
    }, 250);
  }

  stop(): Record<string, ProcessUsage> {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedMs) / 1000;
    const usage: Record<string, ProcessUsage> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const cpu = cpuSeconds(pid) - (this.cpuAtStart.get(name) ?? 0);
      usage[name] = { cpuPercent: Math.round((cpu / seconds) * 100), peakRssMb: Math.round(Math.max(this.peaks.get(name) ?? 0, rssMb(pid))) };
    }
    return usage;
  }
}

/** Runs one load worker to its result, measuring the named processes (and the worker itself, as `loadgen`) between its measure-start and -end. */
export async function measureUsage<T>(worker: Worker, pids: Record<string, number>): Promise<{ result: T; usage: Record<string, ProcessUsage> }> {
  const window = new UsageWindow({ ...pids, loadgen: worker.pid });
  let usage: Record<string, ProcessUsage> = {};
  worker.onPhase((phase) => (phase === "measure-start" ? window.start() : (usage = window.stop())));
  const { result } = await worker.next("result");
  return { result: result as T, usage };
}
