/**
 * V8 flags that count only when a process starts, for `open-chat serve` (HEAP_SEMI_SPACE_MB).
 *
 * V8 sizes the young generation once, as it sets up the heap: `--max-semi-space-size` set from
 * JavaScript afterwards changes nothing (the old generation's rule can be changed at run time:
 * heap-growth.ts; this cannot). Left to itself, V8 on a 24 GiB machine let the young generation
 * grow to 128 MB, and a process that had opened 10,000 tails kept 107 MB of it resident while
 * they idled. So `serve` starts itself again in place — `process.execve`: the same pid, the same
 * standard streams, nothing else opened yet — with the flag, unless the process already has
 * one (on its command line or in NODE_OPTIONS: the operator's choice wins). A cluster's workers
 * inherit the flags of the primary. `open-chat serve` asks first thing (cli.ts), before it loads
 * the server: the first process costs one Node start-up and this module only.
 */

import { nonNegativeInt } from "../env-int.js";
import { givesV8Flag } from "../v8-flags.js";

/**
 * HEAP_SEMI_SPACE_MB unless set (see the package README). 16 since the heap's quiet mode shrinks
 * an idle process on its own: 10,000 idle tails held 398 MB with 16 against 420 with 8, and token
 * p99 on the Bun tier was 10–20 % lower (fewer scavenges under load).
 */
export const DEFAULT_HEAP_SEMI_SPACE_MB = 16;

/**
 * HEAP_SEMI_SPACE_MB: 1–1024 (V8's semi-space, half the young generation, in MB), the default
 * when unset; undefined for 0 (V8's own size). Anything else throws, naming the variable — before
 * the restart, so a value the server cannot use restarts nothing. config.ts reads it the same way.
 */
export function heapSemiSpaceMb(env: NodeJS.ProcessEnv): number | undefined {
  const mb = nonNegativeInt(env, "HEAP_SEMI_SPACE_MB", DEFAULT_HEAP_SEMI_SPACE_MB);
  if (mb > 1024) throw new Error(`HEAP_SEMI_SPACE_MB must be at most 1024, got ${JSON.stringify(env.HEAP_SEMI_SPACE_MB)}`);
  return mb || undefined;
}

/** Set in the restarted process's environment: a restart happens at most once. */
export const RESTARTED_WITH_FLAGS = "OPEN_CHAT_V8_START_FLAGS";

/** The start flags this process lacks for `semiSpaceMb` (none when unset or already given). */
export function missingStartFlags(semiSpaceMb: number | undefined, execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  if (!semiSpaceMb) return [];
  const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)];
  if (givesV8Flag(given, "max-semi-space-size")) return [];
  return [`--max-semi-space-size=${semiSpaceMb}`];
}

/**
 * Replaces this process with itself plus the missing start flags, or returns when nothing is
 * missing, it already did once, or the platform has no `execve` (Windows: V8's own size).
 */
export function restartWithStartFlags(semiSpaceMb: number | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (env[RESTARTED_WITH_FLAGS] !== undefined) return;
  const flags = missingStartFlags(semiSpaceMb, process.execArgv, env.NODE_OPTIONS);
  if (flags.length === 0 || typeof process.execve !== "function") return;
  const args = [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)];
  process.execve(process.execPath, args, { ...env, [RESTARTED_WITH_FLAGS]: flags.join(" ") });
}
