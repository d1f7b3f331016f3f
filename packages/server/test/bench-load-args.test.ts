/**
 * `pnpm bench:load`'s command line (bench/load/args.ts): a bad option stops the run before
 * anything starts, with what to change — `--steps abc` once ran the extras and wrote a report of
 * no step at all.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { appEnvFrom, parseLoadArgs, UsageError } from "../bench/load/args.js";

const parsed = (...argv: string[]) => {
  const args = parseLoadArgs(argv);
  if (args === "help") throw new Error("expected options, got help");
  return args;
};
const refused = (...argv: string[]) => {
  try {
    parseLoadArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
};

describe("bench:load options", () => {
  it("runs every step, configuration and extra by default; --quick the short form", () => {
    expect(parsed()).toMatchObject({ quick: false, steps: [10, 50, 75, 100, 150, 200, 400], configs: ["proxy", "bun", "embedded"], tokens: 200, rate: 30, write: true, fanout: 1000 });
    expect([...parsed().extras]).toEqual(["cold", "idle", "catchup", "tier"]);
    expect(parsed("--quick")).toMatchObject({ steps: [10, 50], configs: ["proxy", "bun"], extras: new Set() });
  });

  it("reads each option, also after a package manager's --", () => {
    const args = parsed("--", "--steps", "10,100", "--configs", "bun", "--rate", "12.5", "--tokens=50", "--extras", "idle,cold", "--idle-levels", "2000,10000", "--fanout", "500", "--no-write");
    expect(args).toMatchObject({ steps: [10, 100], configs: ["bun"], rate: 12.5, tokens: 50, idleLevels: [2000, 10000], fanout: 500, write: false });
    expect([...args.extras]).toEqual(["idle", "cold"]);
    expect(parsed("--no-extras").extras.size).toBe(0);
    expect(parsed("--extras-only").steps).toEqual([]);
    expect(parseLoadArgs(["--help"])).toBe("help");
    expect(parseLoadArgs(["-h"])).toBe("help");
  });

  it("refuses what cannot run, saying which option and why", () => {
    expect(refused("--steps", "abc")).toBe('--steps: "abc" is not a whole number ≥ 1');
    expect(refused("--steps", "10,0")).toBe('--steps: "0" is not a whole number ≥ 1');
    expect(refused("--steps", "1.5")).toContain('"1.5"');
    expect(refused("--steps", "")).toContain("--steps");
    expect(refused("--configs", "bun,nope")).toBe('--configs: "nope" is not one of proxy, bun, embedded');
    expect(refused("--configs", "bun,bun")).toContain("given twice");
    expect(refused("--extras", "cold,warm")).toBe('--extras: "warm" is not one of cold, idle, catchup, tier');
    expect(refused("--rate", "0")).toContain("--rate");
    expect(refused("--rate", "fast")).toContain("--rate");
    expect(refused("--tokens", "2,3")).toContain("one whole number");
    expect(refused("--fanout", "-1")).toContain("--fanout");
    expect(refused("--no-extras", "--extras-only")).toContain("nothing to run");
    expect(refused("--quick", "--extras-only")).toContain("nothing");
    expect(refused("--stpes", "10")).toContain("--stpes");
    expect(refused("--quick", "stray")).toBe('unexpected argument "stray"');
    expect(refused("--steps")).toContain("--steps");
  });

  it("checks the environment's settings for the app", () => {
    expect(appEnvFrom({ APP_NODE_OPTIONS: "--cpu-prof", BENCH_APP_ENV: "TAIL_UPSTREAM=long-poll,DATABASE_URL=" })).toEqual({ NODE_OPTIONS: "--cpu-prof", TAIL_UPSTREAM: "long-poll", DATABASE_URL: "" });
    expect(appEnvFrom({ BENCH_WORKERS: "2", BENCH_MAX_RUNNING: "300", BENCH_WARMUP: "0" })).toEqual({});
    expect(() => appEnvFrom({ BENCH_APP_ENV: "FOO" })).toThrow('BENCH_APP_ENV: "FOO" is not NAME=value');
    expect(() => appEnvFrom({ BENCH_APP_ENV: "=x" })).toThrow(UsageError);
    expect(() => appEnvFrom({ BENCH_WORKERS: "0" })).toThrow('BENCH_WORKERS: "0" is not a whole number ≥ 1');
    expect(() => appEnvFrom({ BENCH_WARMUP: "-1" })).toThrow(UsageError);
  });

  it("as a command: exits 2 with the reason and the usage on stderr, and writes no report", () => {
    const results = new URL("../bench/results/", import.meta.url);
    const before = readdirSync(results);
    const run = (...argv: string[]) => spawnSync(process.execPath, ["--import", "tsx", "bench/load/run.ts", ...argv], { cwd: new URL("..", import.meta.url), encoding: "utf8", timeout: 60_000 });
    const bad = run("--steps", "abc");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bench:load: --steps: "abc" is not a whole number ≥ 1');
    expect(bad.stderr).toContain("Usage: pnpm bench:load");
    const help = run("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--tier-rates");
    expect(readdirSync(results)).toEqual(before);
  });
});
