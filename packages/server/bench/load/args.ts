/**
 * The command line of `pnpm bench:load`, checked before anything starts: a typo must not run
 * twelve minutes of the wrong benchmark, nor write a report of nothing (`--steps abc` once did).
 */
import { parseArgs } from "node:util";
import { CONFIG_LABELS, type ConfigName } from "./config-names.js";

export const EXTRA_NAMES = ["cold", "idle", "catchup", "tier"] as const;
export type ExtraName = (typeof EXTRA_NAMES)[number];

export interface LoadBenchArgs {
  quick: boolean;
  /** Concurrent answers per step, in order; empty with `--extras-only`. */
  steps: number[];
  configs: ConfigName[];
  /** Tokens per answer. */
  tokens: number;
  /** Tokens per second per answer. */
  rate: number;
  write: boolean;
  /** The extras that run after the steps; empty with `--quick` or `--no-extras`. */
  extras: Set<ExtraName>;
  idleLevels: number[];
  fanout: number;
  catchup: number[];
  tierRates: number[];
}

export const USAGE = `Usage: pnpm bench:load [options]

Token → client latency under N concurrent answers (model, app, streams tier and load generator
as separate processes on loopback), beside a non-durable pass-through proxy and the tier's own
append latency; writes bench/results/<date>.md and .json. Needs Postgres and the built server.

  --quick                 steps 10,50, configs proxy,bun, no extras (what \`pnpm bench\` runs)
  --steps 10,50,100       concurrent answers per step (default 10,50,75,100,150,200,400)
  --configs proxy,bun     any of ${Object.keys(CONFIG_LABELS).join(", ")} (default all three)
  --tokens 200            tokens per answer
  --rate 30               tokens per second per answer
  --no-extras             the steps only
  --extras-only           the extras only
  --extras cold,idle      which extras run: ${EXTRA_NAMES.join(", ")} (default all)
  --idle-levels 500,1000  idle live tails per level (extra "idle")
  --fanout 1000           tails of one chat one append reaches (extra "idle")
  --catchup 100,1000      events per chat read back on reconnect (extra "catchup")
  --tier-rates 1000,2000  appends per second offered to the tier alone (extra "tier")
  --no-write              print the report only
  --help                  this text

Environment: APP_NODE_OPTIONS (the app's Node options, e.g. --cpu-prof), BENCH_APP_ENV
(NAME=value,… added to the app's settings), BENCH_WORKERS, BENCH_MAX_RUNNING, BENCH_WARMUP,
TEST_DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).`;

/** A command line that cannot run; the message says what to change. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The options of `argv` (without node and the script), or "help"; throws {@link UsageError}. */
export function parseLoadArgs(argv: string[]): LoadBenchArgs | "help" {
  // A package manager may pass its "--" on; after it parseArgs would take every option as a positional.
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(args);
  } catch (error) {
    throw new UsageError((error as Error).message.split(/\.\s/)[0]!);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values["no-extras"] && values["extras-only"]) throw new UsageError("--no-extras and --extras-only leave nothing to run");
  if (values.quick && values["extras-only"]) throw new UsageError("--quick runs no extras: --extras-only would run nothing");

  const configs = list("--configs", values.configs ?? (values.quick ? "proxy,bun" : "proxy,bun,embedded"), (name) => (name in CONFIG_LABELS ? (name as ConfigName) : undefined), `one of ${Object.keys(CONFIG_LABELS).join(", ")}`);
  const extraNames = list("--extras", values.extras, (name) => EXTRA_NAMES.find((known) => known === name), `one of ${EXTRA_NAMES.join(", ")}`);
  const runExtras = !values.quick && !values["no-extras"];
  return {
    quick: values.quick,
    steps: values["extras-only"] ? [] : counts("--steps", values.steps ?? (values.quick ? "10,50" : "10,50,75,100,150,200,400")),
    configs,
    tokens: counts("--tokens", values.tokens, { single: true })[0]!,
    rate: positiveNumber("--rate", values.rate),
    write: !values["no-write"],
    extras: new Set(runExtras ? extraNames : []),
    idleLevels: counts("--idle-levels", values["idle-levels"]),
    fanout: counts("--fanout", values.fanout, { single: true })[0]!,
    catchup: counts("--catchup", values.catchup),
    tierRates: counts("--tier-rates", values["tier-rates"]),
  };
}

function parseWith(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      help: { type: "boolean", short: "h", default: false },
      quick: { type: "boolean", default: false },
      steps: { type: "string" },
      configs: { type: "string" },
      tokens: { type: "string", default: "200" },
      rate: { type: "string", default: "30" },
      "no-write": { type: "boolean", default: false },
      "no-extras": { type: "boolean", default: false },
      "extras-only": { type: "boolean", default: false },
      "idle-levels": { type: "string", default: "500,1000,2000" },
      fanout: { type: "string", default: "1000" },
      catchup: { type: "string", default: "100,1000,10000" },
      "tier-rates": { type: "string", default: "1000,2000,4000,8000" },
      extras: { type: "string", default: EXTRA_NAMES.join(",") },
    },
  });
}

/** A comma-separated list, each item mapped by `known` (undefined: not one of `expected`), no repeats. */
function list<T>(option: string, text: string, known: (item: string) => T | undefined, expected: string): T[] {
  const items = text.split(",").map((item) => item.trim());
  const out: T[] = [];
  for (const item of items) {
    const value = known(item);
    if (value === undefined) throw new UsageError(`${option}: ${JSON.stringify(item)} is not ${expected}`);
    if (out.includes(value)) throw new UsageError(`${option}: ${JSON.stringify(item)} is given twice`);
    out.push(value);
  }
  return out;
}

/** Whole numbers ≥ 1, comma-separated (exactly one with `single`). */
function counts(option: string, text: string, { single = false } = {}): number[] {
  const items = text.split(",").map((item) => item.trim());
  if (single && items.length !== 1) throw new UsageError(`${option} takes one whole number, not a list`);
  return items.map((item) => {
    const value = /^\d+$/.test(item) ? Number(item) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${option}: ${JSON.stringify(item)} is not a whole number ≥ 1`);
    return value;
  });
}

function positiveNumber(option: string, text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`${option}: ${JSON.stringify(text)} is not a number > 0`);
  return value;
}

/**
 * The environment's settings for the app, checked like the options: APP_NODE_OPTIONS and
 * BENCH_APP_ENV ("NAME=value,…") become the app's environment; BENCH_WORKERS and
 * BENCH_MAX_RUNNING must be whole numbers ≥ 1 and BENCH_WARMUP ≥ 0, or every step would fail
 * at the app's start instead.
 */
export function appEnvFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  for (const [name, least] of [["BENCH_WORKERS", 1], ["BENCH_MAX_RUNNING", 1], ["BENCH_WARMUP", 0]] as const) {
    const raw = env[name];
    if (raw !== undefined && raw !== "" && !(/^\d+$/.test(raw) && Number(raw) >= least)) throw new UsageError(`${name}: ${JSON.stringify(raw)} is not a whole number ≥ ${least}`);
  }
  const pairs = (env.BENCH_APP_ENV ?? "").split(",").filter(Boolean);
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf("=");
    const name = pair.slice(0, equals);
    if (equals < 1 || !/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new UsageError(`BENCH_APP_ENV: ${JSON.stringify(pair)} is not NAME=value`);
    settings[name] = pair.slice(equals + 1);
  }
  return { ...(env.APP_NODE_OPTIONS ? { NODE_OPTIONS: env.APP_NODE_OPTIONS } : {}), ...settings };
}
