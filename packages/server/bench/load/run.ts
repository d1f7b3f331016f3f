/**
 * `pnpm bench:load`: token → client latency of the app under N concurrent answers, side by side
 * with a non-durable pass-through proxy and the streams tier's own append floor, every
 * component its own process on loopback (see README "Performance").
 *
 *   node --import tsx bench/load/run.ts [--quick] [--steps 10,50,100] [--configs proxy,bun,embedded] …
 *   (every option: `--help`, args.ts; a bad one exits 2 with what to change, before anything starts)
 *
 *   APP_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" …   (profile the app in every step)
 *   BENCH_APP_ENV="TAIL_UPSTREAM=long-poll,GENERATION_APPEND_INTERVAL_MAX_MS=100" …   (the app's settings, A/B)
 *
 * `--quick` (inside `pnpm bench`): steps 10 and 50, the proxy and the Bun tier only, no extras.
 * Extras (extras.ts): cold start, idle tails + fan-out, reconnect catch-up, the tier's own limit.
 * Needs Postgres (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 * and the built server (`pnpm --filter @open-chat/server build`).
 */
import { existsSync } from "node:fs";
import { appEnvFrom, parseLoadArgs, UsageError, USAGE, type LoadBenchArgs } from "./args.js";
import { CONFIG_LABELS, type ConfigName } from "./config-names.js";
import { startApp } from "./configs.js";
import { catchUp, coldStart, idleTails, tierLimit } from "./extras.js";
import { machineInfo } from "./machine.js";
import { measureUsage } from "./proc-stats.js";
import type { FloorResult } from "./load-floor.js";
import { renderReport, writeReport, type RunReport, type StepResult } from "./report.js";
import type { LoadResult } from "./answers.js";
import { useDistSnapshot } from "./processes.js";
import { startWorker } from "./worker.js";

let args: LoadBenchArgs | "help";
// APP_NODE_OPTIONS reaches the app only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"); so does
// BENCH_APP_ENV, "NAME=value,NAME=value" (e.g. "TAIL_UPSTREAM=long-poll" for an A/B run), in
// the load steps and the idle-tail runs alike.
let appEnv: Record<string, string>;
try {
  args = parseLoadArgs(process.argv.slice(2));
  appEnv = appEnvFrom(process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench:load: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args === "help") {
  console.log(USAGE);
  process.exit(0);
}
const { steps, configs, tokens, rate } = args;
const runExtras = args.extras.size > 0;
const loadEnv = { BENCH_TOKENS: String(tokens), BENCH_TOKENS_PER_SECOND: String(rate) };
/** What this run changed from the defaults (written into the report). */
const benchOverrides = (): Record<string, string> =>
  Object.fromEntries(
    [
      ...Object.entries(appEnv),
      ...["BENCH_WORKERS", "BENCH_MAX_RUNNING", "BENCH_WARMUP"].map((name) => [name, process.env[name]]),
    ].filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );

if (!existsSync(new URL("../../dist/cli.js", import.meta.url))) {
  console.error("bench:load runs the built server: pnpm --filter @open-chat/shared --filter @open-chat/server build");
  process.exit(2);
}
const dropSnapshot = useDistSnapshot();
const startedAt = new Date().toISOString();
const machine = await machineInfo();
const model = startWorker("./model-server.ts", loadEnv);
const modelUrl = (await model.next("ready")).url;
const proxy = configs.includes("proxy") ? startWorker("./proxy.ts", { MODEL_URL: modelUrl }) : undefined;
const proxyUrl = proxy ? (await proxy.next("ready")).url : "";
const results: StepResult[] = [];
const failures: NonNullable<RunReport["failures"]> = [];
const extras: NonNullable<RunReport["extras"]> = {};

/** One step against one configuration. */
async function step(config: ConfigName, users: number): Promise<StepResult> {
  const env = { ...loadEnv, BENCH_USERS: String(users) };
  if (config === "proxy") {
    const { result, usage } = await measureUsage<LoadResult>(startWorker("./load-proxy.ts", { ...env, PROXY_URL: proxyUrl }), { proxy: proxy!.pid, model: model.pid });
    return { config, users, load: result, usage };
  }
  const sut = await startApp(config, modelUrl, appEnv);
  try {
    const pids: Record<string, number> = { app: sut.app.pid, model: model.pid, ...(sut.streams ? { streams: sut.streams.pid } : {}) };
    const { result, usage } = await measureUsage<LoadResult>(startWorker("./load-app.ts", { ...env, APP_URL: sut.app.url }), pids);
    let floor: FloorResult | undefined;
    if (sut.streams) {
      // The tier alone, at the append rate the app reached: what durability itself costs.
      const floorWorker = startWorker("./load-floor.ts", {
        TIER_URL: sut.streams.url,
        TIER_API_KEY: sut.streams.apiKey,
        BENCH_USERS: String(users),
        FLOOR_APPENDS: String(Math.max(10, Math.round(result.piecesPerAnswer))),
        FLOOR_RATE: String(Math.min(rate, result.piecesPerSecond || rate)),
      });
      const measuredFloor = await measureUsage<Omit<FloorResult, "usage">>(floorWorker, { streams: sut.streams.pid });
      floor = { ...measuredFloor.result, usage: measuredFloor.usage };
    }
    const appErrors = sut.app.errors;
    return { config, users, load: result, usage, appStartMs: sut.app.startMs, ...(appErrors.length ? { appErrors } : {}), ...(floor ? { floor } : {}) };
  } finally {
    await sut.close();
  }
}

const report = (): RunReport => ({ startedAt, quick: args.quick, machine, settings: { tokens, rate, steps, configs, overrides: benchOverrides() }, results, ...(failures.length ? { failures } : {}), ...(runExtras ? { extras } : {}) });
/** Written after every step: a run cut short keeps what it measured. */
const save = () => (args.write ? writeReport(report()) : []);

try {
  for (const users of steps) {
    for (const config of configs) {
      process.stdout.write(`${CONFIG_LABELS[config]}, ${users} concurrent answers … `);
      let result: StepResult | undefined;
      // One retry: a start can fail for reasons outside the step (the machine is shared).
      for (let attempt = 1; attempt <= 2 && !result; attempt++) {
        try {
          result = await step(config, users);
        } catch (error) {
          const message = (error as Error).message.split("\n").slice(0, 3).join(" ");
          console.log(`attempt ${attempt} failed: ${message}`);
          if (attempt === 2) failures.push({ config, users, error: message });
        }
      }
      if (result) {
        results.push(result);
        const l = result.load;
        console.log(`p50 ${l.latency.p50.toFixed(1)} ms, p99 ${l.latency.p99.toFixed(1)} ms, lost ${l.lost}, failed sends ${Object.values(l.failedSends).reduce((a, b) => a + b, 0)}`);
      }
      save();
    }
  }
  if (runExtras) {
    // Each extra on its own: one failing must not lose the load steps measured before it.
    const attempt = async <T>(label: string, task: () => Promise<T>): Promise<T | { error: string }> => {
      process.stdout.write(`${label} … `);
      try {
        const value = await task();
        console.log("done");
        return value;
      } catch (error) {
        console.log(`failed: ${(error as Error).message}`);
        return { error: (error as Error).message };
      }
    };
    if (args.extras.has("cold")) extras.coldStart = await attempt("cold start", () => coldStart(modelUrl));
    save();
    for (const config of configs) {
      if (config === "proxy" || !args.extras.has("idle")) continue;
      extras.idle ??= {};
      extras.idle[config] = await attempt(`idle tails, ${CONFIG_LABELS[config]}`, () => idleTails(config, modelUrl, args.idleLevels, args.fanout, appEnv));
      save();
    }
    if (configs.includes("bun") && args.extras.has("catchup")) extras.catchUp = await attempt("reconnect catch-up", () => catchUp(modelUrl, args.catchup));
    save();
    if (configs.includes("bun") && args.extras.has("tier")) extras.tierLimit = await attempt("the tier's own limit", () => tierLimit(args.tierRates));
    save();
  }
} finally {
  await proxy?.stop();
  await model.stop();
  dropSnapshot();
}

console.log(`\n${renderReport(report())}`);
const written = save();
if (written.length) console.log(`written: ${written.join(", ")}`);
