/**
 * The measurements beside the load steps: cold start to ready, idle live tails (memory, file
 * descriptors, idle CPU) with the fan-out of one append, reconnect catch-up of long chats, and
 * the streams tier's own limit (appends per second it takes, and its CPU per append).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv } from "../../src/config.js";
import { startApp, startTier } from "./configs.js";
import type { CatchUpResult } from "./load-catchup.js";
import type { IdleResult } from "./load-idle.js";
import type { FloorResult } from "./load-floor.js";
import { measureUsage } from "./proc-stats.js";
import { freePort, startCli } from "./processes.js";
import { startWorker } from "./worker.js";

export interface ColdStart {
  /** Everything embedded (PGlite + streams-local), a new data folder. */
  embeddedFreshMs: number;
  /** The same folder again. */
  embeddedExistingMs: number;
}

/** `open-chat serve` with nothing configured but the model: spawn → listening, twice on one folder. */
export async function coldStart(modelUrl: string): Promise<ColdStart> {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-bench-cold-"));
  try {
    const once = async () => {
      const app = await startCli(
        "serve",
        { HOST: "127.0.0.1", PORT: String(await freePort()), DATA_DIR: dataDir, OPENAI_BASE_URL: modelUrl, OPENAI_API_KEY: "bench", MODEL: "bench-model", SHUTDOWN_GRACE_MS: "0" },
        "app (embedded)",
      );
      await app.stop();
      return app.startMs;
    };
    const embeddedFreshMs = await once();
    return { embeddedFreshMs, embeddedExistingMs: await once() };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** TAIL_PARK_AFTER_MS of the idle-tail runs on the Bun tier. */
const IDLE_PARK_AFTER_MS = 10_000;

/**
 * How long after the heap's quiet mode begins (the app's HEAP_QUIET_AFTER_MS) its one compaction
 * is over: V8's memory reducer looks every 8 s; on the Intel machine the compaction was over
 * 15–20 s after the last request, ~1.8 s of CPU once.
 */
const QUIET_COMPACTION_MS = 20_000;

/** Idle tails and fan-out against one configuration (a fresh app). */
export async function idleTails(config: "bun" | "embedded", modelUrl: string, levels: number[], fanOutTails: number, appEnv: Record<string, string> = {}): Promise<IdleResult> {
  // With the Bun tier quiet streams park their upstream reads after TAIL_PARK_AFTER_MS (60 s by
  // default): 10 s here, and the tails are measured once that has passed (and a sweep, ≤ 2.5 s)
  // — and once the heap's quiet mode has compacted the heap the openings left: what an idle
  // process holds, not what it held in the seconds after a burst.
  const parkAfterMs = config === "bun" ? Number(appEnv.TAIL_PARK_AFTER_MS ?? IDLE_PARK_AFTER_MS) : 0;
  // The app's own reading of its settings (its default included), not a second copy of them.
  const quietAfterMs = configFromEnv(appEnv).heapQuietAfterMs;
  const settleMs = Math.max(parkAfterMs > 0 ? parkAfterMs + 5_000 : 0, quietAfterMs ? quietAfterMs + QUIET_COMPACTION_MS : 0);
  const sut = await startApp(config, modelUrl, { TAIL_PARK_AFTER_MS: String(parkAfterMs), ...appEnv, MAX_TAILS_PER_USER: String(fanOutTails + 10) });
  try {
    const worker = startWorker("./load-idle.ts", {
      APP_URL: sut.app.url,
      APP_PID: String(sut.app.pid),
      ...(sut.streams ? { TIER_PID: String(sut.streams.pid) } : {}),
      IDLE_LEVELS: levels.join(","),
      IDLE_SETTLE_MS: String(settleMs),
      IDLE_PARK_SETTLE_MS: String(parkAfterMs > 0 ? parkAfterMs + 5_000 : 0),
      FANOUT_TAILS: String(fanOutTails),
    });
    return (await worker.next("result")).result as IdleResult;
  } finally {
    await sut.close();
  }
}

/** Reconnect catch-up of chats with `sizes` events, on the Bun tier (filled directly). */
export async function catchUp(modelUrl: string, sizes: number[]): Promise<CatchUpResult[]> {
  const sut = await startApp("bun", modelUrl);
  try {
    const worker = startWorker("./load-catchup.ts", { APP_URL: sut.app.url, TIER_URL: sut.streams!.url, TIER_API_KEY: sut.streams!.apiKey, CATCHUP_SIZES: sizes.join(",") });
    return (await worker.next("result")).result as CatchUpResult[];
  } finally {
    await sut.close();
  }
}

/** Appenders (one stream each) of the tier-limit run: as many as the largest load step's answers. */
const TIER_LIMIT_STREAMS = 200;
/** Seconds of appends per offered rate. */
const TIER_LIMIT_SECONDS = 6;

/**
 * The Bun tier alone under rising append rates (`rates`, appends/s in all, spread over
 * TIER_LIMIT_STREAMS streams with one append in flight each, delta-sized events with producer
 * headers, as the app appends): what it achieves, its latency and its CPU per append — the
 * tier's limit on this machine, next to which the app's own cost per append is read.
 */
export async function tierLimit(rates: number[]): Promise<FloorResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-bench-tier-"));
  const tier = await startTier(dataDir);
  try {
    const results: FloorResult[] = [];
    for (const rate of rates) {
      const perStream = rate / TIER_LIMIT_STREAMS;
      const worker = startWorker("./load-floor.ts", {
        TIER_URL: tier.url,
        TIER_API_KEY: tier.apiKey,
        BENCH_USERS: String(TIER_LIMIT_STREAMS),
        FLOOR_APPENDS: String(Math.max(10, Math.round(perStream * TIER_LIMIT_SECONDS))),
        FLOOR_RATE: String(perStream),
      });
      const { result, usage } = await measureUsage<Omit<FloorResult, "usage">>(worker, { streams: tier.pid });
      results.push({ ...result, usage });
    }
    return results;
  } finally {
    await tier.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
