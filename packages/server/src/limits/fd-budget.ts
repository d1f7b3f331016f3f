/**
 * The process's connection budget for live tails, from its open-file limit.
 *
 * Node raises its soft RLIMIT_NOFILE to the hard limit by itself at start-up (node.cc,
 * PlatformInit), and has no `setrlimit` to go further: the hard limit is the operator's to set
 * (systemd `LimitNOFILE=`, `ulimit -Hn`, Docker `--ulimit nofile=`). We read the soft limit in
 * force from `/proc/self/limits` (Linux); elsewhere it is unknown and MAX_TAILS_PER_PROCESS
 * should be set.
 *
 * Each live tail holds the client's socket and, at worst (every tail another user's), one
 * upstream read of its user's stream: 2 descriptors with a remote tier; with the embedded tier
 * 1 when its reads wait for this process's appends (append notices, the default), 3 when they
 * long-poll it over loopback (both ends of that request are in this process). With a remote
 * tier whose quiet streams park (log/stream-hub.ts, the default), an idle tail holds only its
 * client's socket: the budget counts 1.5, room for every third tail's stream to be live at once.
 * The budget keeps 20 % of the limit and a fixed reserve free for everything else: Postgres
 * pools, the stop bus, model requests, sends, files, health probes.
 */
import { readFileSync } from "node:fs";

/** Descriptors left for everything that is not a tail, besides the 20 %. */
export const FD_RESERVE = 128;
/** Used when the open-file limit cannot be read. */
export const FALLBACK_TAILS_PER_PROCESS = 1_000;

export function openFileLimit(limitsFile = "/proc/self/limits"): { soft: number; hard: number } | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, "utf8");
  } catch {
    return null;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return null;
  const value = (raw: string) => (raw === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(raw));
  const soft = value(match[1]!);
  const hard = value(match[2]!);
  return Number.isFinite(soft) && Number.isFinite(hard) ? { soft, hard } : null;
}

export interface TailShape {
  embeddedStreams: boolean;
  /** The upstream reads are long-polls (`TAIL_UPSTREAM=long-poll`), not live reads. Default false. */
  longPoll?: boolean;
  /** A remote tier's quiet streams park their upstream reads (TAIL_PARK_AFTER_MS > 0). Default false. */
  parking?: boolean;
}

/** Live tails this process can hold with `softLimit` open files. At least 1. */
export function tailBudget(softLimit: number, options: TailShape): number {
  const perTail = !options.embeddedStreams ? (options.parking ? 1.5 : 2) : options.longPoll ? 3 : 1;
  return Math.max(1, Math.floor((Math.floor(softLimit * 0.8) - FD_RESERVE) / perTail));
}

/** MAX_TAILS_PER_PROCESS when set, else the budget of the open-file limit in force. */
export function processTailBudget(configured: number | undefined, options: TailShape & { limitsFile?: string }): { tails: number; source: string } {
  if (configured !== undefined) return { tails: configured, source: "MAX_TAILS_PER_PROCESS" };
  const limit = openFileLimit(options.limitsFile);
  if (!limit) return { tails: FALLBACK_TAILS_PER_PROCESS, source: "open-file limit unknown" };
  return { tails: tailBudget(limit.soft, options), source: `open-file limit ${limit.soft}` };
}
