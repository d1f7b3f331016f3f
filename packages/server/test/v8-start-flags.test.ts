/**
 * HEAP_SEMI_SPACE_MB (src/cli/v8-start-flags.ts): `open-chat serve` starts itself again in place
 * with V8's `--max-semi-space-size`, which only counts at start-up — unless the operator gave
 * the flag already. Checked on the real built CLI: the flag must be on the command line of the
 * very process that was spawned (same pid), and that process must serve.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_HEAP_SEMI_SPACE_MB, heapSemiSpaceMb, missingStartFlags, RESTARTED_WITH_FLAGS } from "../src/cli/v8-start-flags.js";
import { configFromEnv } from "../src/config.js";
import { startApiProcess, type ApiProcess } from "./chaos/api-process.js";
import { useChaosFixture } from "./chaos/fixture.js";

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");

describe("HEAP_SEMI_SPACE_MB", () => {
  it("is 16 MB unless set (the README's default); 0 leaves V8's own size; anything else is refused by name", () => {
    expect(DEFAULT_HEAP_SEMI_SPACE_MB).toBe(16);
    expect(configFromEnv({}).heapSemiSpaceMb).toBe(DEFAULT_HEAP_SEMI_SPACE_MB);
    expect(configFromEnv({ HEAP_SEMI_SPACE_MB: "16" }).heapSemiSpaceMb).toBe(16);
    expect(configFromEnv({ HEAP_SEMI_SPACE_MB: "0" }).heapSemiSpaceMb).toBeUndefined();
    expect(() => configFromEnv({ HEAP_SEMI_SPACE_MB: "small" })).toThrow(/HEAP_SEMI_SPACE_MB must be a non-negative integer, got "small"/);
    expect(() => configFromEnv({ HEAP_SEMI_SPACE_MB: "2048" })).toThrow(/HEAP_SEMI_SPACE_MB must be at most 1024/);
  });

  it("is read for the restart by the configuration's own rule: a value config refuses is refused before any restart", () => {
    expect(heapSemiSpaceMb({})).toBe(DEFAULT_HEAP_SEMI_SPACE_MB);
    expect(heapSemiSpaceMb({ HEAP_SEMI_SPACE_MB: "" })).toBe(DEFAULT_HEAP_SEMI_SPACE_MB);
    expect(heapSemiSpaceMb({ HEAP_SEMI_SPACE_MB: "32" })).toBe(32);
    expect(heapSemiSpaceMb({ HEAP_SEMI_SPACE_MB: "0" })).toBeUndefined();
    for (const refused of ["small", "2048", "-1", "1.5"]) {
      expect(() => heapSemiSpaceMb({ HEAP_SEMI_SPACE_MB: refused })).toThrow(/^HEAP_SEMI_SPACE_MB must be/);
      expect(() => configFromEnv({ HEAP_SEMI_SPACE_MB: refused })).toThrow(/^HEAP_SEMI_SPACE_MB must be/);
    }
  });

  it("asks for the flag only when the process has none (command line or NODE_OPTIONS, either spelling)", () => {
    expect(missingStartFlags(8, [], undefined)).toEqual(["--max-semi-space-size=8"]);
    expect(missingStartFlags(8, ["--import", "tsx"], "--enable-source-maps")).toEqual(["--max-semi-space-size=8"]);
    expect(missingStartFlags(undefined, [], undefined)).toEqual([]);
    expect(missingStartFlags(8, ["--max-semi-space-size=32"], undefined)).toEqual([]);
    expect(missingStartFlags(8, ["--max_semi_space_size=32"], undefined)).toEqual([]);
    expect(missingStartFlags(8, [], "--enable-source-maps --max-semi-space-size=2")).toEqual([]);
  });

  it("is a flag this Node's V8 honours: the young generation is two semi-spaces of that size", async () => {
    const script = `const v8 = require("node:v8"); const keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 4e5) keep.length = 0; } console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size)`;
    const run = async (flags: string[]) => Number((await promisify(execFile)(process.execPath, [...flags, "-e", script], { timeout: 30_000 })).stdout.trim());
    expect(await run(["--max-semi-space-size=4"])).toBeLessThanOrEqual(8 * 1024 * 1024);
  });
});

describe("open-chat serve with HEAP_SEMI_SPACE_MB", () => {
  const fixture = useChaosFixture();
  const running: ApiProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.kill()));
  });
  const start = async (env: Record<string, string>) => {
    const api = await startApiProcess({ ...fixture().env, ...env });
    running.push(api);
    return api;
  };

  it("restarts itself in place with the flag (same pid) and serves", async () => {
    const api = await start({});
    expect(cmdline(api.pid)).toContain(`--max-semi-space-size=${DEFAULT_HEAP_SEMI_SPACE_MB}`);
    expect(environ(api.pid)).toContain(`${RESTARTED_WITH_FLAGS}=--max-semi-space-size=${DEFAULT_HEAP_SEMI_SPACE_MB}`);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it("leaves the operator's own flag alone, and V8's own size with 0", async () => {
    const operators = await start({ NODE_OPTIONS: "--max-semi-space-size=2" });
    expect(cmdline(operators.pid).some((arg) => arg.includes("semi-space"))).toBe(false);
    expect(environ(operators.pid).some((entry) => entry.startsWith(`${RESTARTED_WITH_FLAGS}=`))).toBe(false);
    const v8s = await start({ HEAP_SEMI_SPACE_MB: "0" });
    expect(cmdline(v8s.pid).some((arg) => arg.includes("semi-space"))).toBe(false);
    expect((await fetch(`${v8s.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it("refuses a value it cannot use before starting anything", async () => {
    const failure = await startApiProcess({ ...fixture().env, HEAP_SEMI_SPACE_MB: "lots" }).then(
      (api) => {
        running.push(api);
        return new Error("it started");
      },
      (error: Error) => error,
    );
    expect(failure.message).toMatch(/HEAP_SEMI_SPACE_MB must be a non-negative integer, got "lots"/);
  }, 60_000);
});
