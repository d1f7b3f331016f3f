/**
 * The measurements beside the load steps: cold start to ready, idle live tails (memory, file
 * descriptors, idle CPU) with the fan-out of one append, and reconnect catch-up of long chats.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "./configs.js";
import type { CatchUpResult } from "./load-catchup.js";
import type { IdleResult } from "./load-idle.js";
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

/** Idle tails and fan-out against one configuration (a fresh app). */
export async function idleTails(config: "bun" | "embedded", modelUrl: string, levels: number[], fanOutTails: number, appEnv: Record<string, string> = {}): Promise<IdleResult> {
  // With the Bun tier quiet streams park their upstream reads after TAIL_PARK_AFTER_MS (60 s by
  // default): 10 s here, and the tails are measured once that has passed (and a sweep, ≤ 2.5 s).
  const parkAfterMs = config === "bun" ? Number(appEnv.TAIL_PARK_AFTER_MS ?? IDLE_PARK_AFTER_MS) : 0;
  const sut = await startApp(config, modelUrl, { TAIL_PARK_AFTER_MS: String(parkAfterMs), ...appEnv, MAX_TAILS_PER_USER: String(fanOutTails + 10) });
  try {
    const worker = startWorker("./load-idle.ts", {
      APP_URL: sut.app.url,
      APP_PID: String(sut.app.pid),
      ...(sut.streams ? { TIER_PID: String(sut.streams.pid) } : {}),
      IDLE_LEVELS: levels.join(","),
      IDLE_SETTLE_MS: String(parkAfterMs > 0 ? parkAfterMs + 5_000 : 0),
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
