/**
 * HEAP_GROWTH_PERCENT (src/heap-growth.ts): parsed with the variable's name in its errors, and
 * handed to a V8 that knows the flag — V8 takes an unknown flag silently apart from one line on
 * the console, so a Node upgrade that dropped it would otherwise go unnoticed.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Everything a fresh Node prints while running `script` (ESM, TypeScript through tsx) in this package. */
async function printedBy(script: string): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: PACKAGE_DIR, timeout: 30_000 });
  return stdout + stderr;
}

describe("HEAP_GROWTH_PERCENT", () => {
  it("is a percentage from 1 to 400, 20 unless set; 0 leaves V8's own rule", () => {
    expect(configFromEnv({ HEAP_GROWTH_PERCENT: "50" }).heapGrowthPercent).toBe(50);
    expect(configFromEnv({}).heapGrowthPercent).toBe(20);
    expect(configFromEnv({ HEAP_GROWTH_PERCENT: "0" }).heapGrowthPercent).toBeUndefined();
    expect(() => configFromEnv({ HEAP_GROWTH_PERCENT: "lean" })).toThrow(/HEAP_GROWTH_PERCENT must be a non-negative integer, got "lean"/);
    expect(() => configFromEnv({ HEAP_GROWTH_PERCENT: "401" })).toThrow(/HEAP_GROWTH_PERCENT must be at most 400/);
  });

  it("sets a flag this Node's V8 knows", async () => {
    const applied = await printedBy(`const { applyHeapGrowth } = await import("./src/heap-growth.ts"); applyHeapGrowth(20); console.log("applied");`);
    expect(applied.trim()).toBe("applied");
    // The same check sees a flag V8 does not know.
    const unknown = await printedBy(`(await import("node:v8")).setFlagsFromString("--heap-growing-percentage=20"); console.log("applied");`);
    expect(unknown).toMatch(/unrecognized flag/);
  });
});
