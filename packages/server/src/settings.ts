/**
 * Tunable settings of one server process and their defaults. Their own module so that both
 * the configuration reader (config.ts) and the composition root (services.ts) import them
 * downward, instead of config.ts reaching up into the composition root.
 */
import type { GenerationLimits } from "./generation/generator.js";

export interface ServerSettings {
  /** Identifies this process as a lease holder. */
  holder: string;
  generation: GenerationLimits;
  tail: { heartbeatMs: number; retryMs: number; longPollMs: number };
  systemPrompt?: string;
  /** Origins allowed to call the API from browsers; `*` for any (bearer tokens, no cookies). */
  corsOrigins: string[] | "*";
}

export const DEFAULT_SETTINGS: ServerSettings = {
  holder: `pid-${process.pid}`,
  generation: { idleMs: 60_000, totalMs: 10 * 60_000, leaseMs: 30_000, appendIntervalMs: 20 },
  tail: { heartbeatMs: 15_000, retryMs: 1_000, longPollMs: 4_000 },
  corsOrigins: "*",
};
