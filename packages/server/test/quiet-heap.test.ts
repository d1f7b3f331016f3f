/**
 * The heap's quiet mode (src/quiet-heap.ts): V8 is told to favour memory once the process has
 * had no request and no running answer for HEAP_QUIET_AFTER_MS, and told back at the next one.
 * The controller runs on an injected clock; the server test checks the wiring on a real one.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, makeTempDir, removeDir } from "@open-chat/testing";
import { describe, expect, it, vi } from "vitest";
import { configFromEnv } from "../src/config.js";
import { listen } from "../src/http/listen.js";
import { startQuietHeap } from "../src/quiet-heap.js";
import { startServer } from "../src/runtime.js";

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

const QUIET = ["--optimize-for-size", "--compact-on-every-full-gc"];
const BUSY = ["--no-optimize-for-size", "--no-compact-on-every-full-gc"];

/** A controller on a clock the test moves, recording the flags it sets. */
function controlled(quietAfterMs = 1_000) {
  let at = 0;
  let running = 0;
  const flags: string[] = [];
  const heap = startQuietHeap({ quietAfterMs, running: () => running, now: () => at, setFlag: (flag) => flags.push(flag), checkEveryMs: 3_600_000 }, [])!;
  return {
    heap,
    flags,
    advance: (ms: number) => (at += ms),
    setRunning: (n: number) => (running = n),
  };
}

describe("the heap's quiet mode", () => {
  it("goes quiet after quietAfterMs without requests or answers, once", () => {
    const { heap, flags, advance } = controlled();
    advance(999);
    heap.check();
    expect(heap.quiet).toBe(false);
    advance(1);
    heap.check();
    heap.check();
    expect(heap.quiet).toBe(true);
    expect(flags).toEqual(QUIET);
    heap.stop();
  });

  it("a request ends the quiet at once, and the wait starts again from it", () => {
    const { heap, flags, advance } = controlled();
    advance(1_000);
    heap.check();
    heap.touch();
    expect(heap.quiet).toBe(false);
    expect(flags).toEqual([...QUIET, ...BUSY]);
    advance(999);
    heap.check();
    expect(heap.quiet).toBe(false);
    advance(1);
    heap.check();
    expect(heap.quiet).toBe(true);
    heap.stop();
  });

  it("is never quiet while an answer runs, however long it runs", () => {
    const { heap, flags, advance, setRunning } = controlled();
    setRunning(1);
    advance(10_000);
    heap.check();
    expect(heap.quiet).toBe(false);
    setRunning(0);
    advance(999);
    heap.check();
    expect(heap.quiet).toBe(false);
    expect(flags).toEqual([]);
    // An answer that starts while quiet (a takeover, no request) ends the quiet at the next look.
    advance(1);
    heap.check();
    setRunning(2);
    heap.check();
    expect(flags).toEqual([...QUIET, ...BUSY]);
    heap.stop();
  });

  it("stop() gives V8 its usual choices back; touching a busy heap sets nothing", () => {
    const { heap, flags, advance } = controlled();
    heap.touch();
    expect(flags).toEqual([]);
    advance(1_000);
    heap.check();
    heap.stop();
    expect(heap.quiet).toBe(false);
    expect(flags).toEqual([...QUIET, ...BUSY]);
  });

  it("leaves a process started with either flag alone", () => {
    for (const flag of QUIET) expect(startQuietHeap({ quietAfterMs: 1, running: () => 0, setFlag: () => expect.unreachable() }, ["--max-semi-space-size=8", flag])).toBeUndefined();
  });

  it("knows the operator's flag in V8's other spelling, and in its --no- form", () => {
    for (const flag of ["--optimize_for_size", "--compact_on-every_full-gc", ...BUSY, "--no_optimize_for_size"]) {
      expect(startQuietHeap({ quietAfterMs: 1, running: () => 0, setFlag: () => expect.unreachable() }, [flag]), flag).toBeUndefined();
    }
    // Another flag that merely starts the same is not one of them.
    const heap = startQuietHeap({ quietAfterMs: 1, running: () => 0, setFlag: () => undefined, checkEveryMs: 3_600_000 }, ["--optimize-for-size-please"]);
    expect(heap).toBeDefined();
    heap!.stop();
  });

  it("sets flags this Node's V8 knows", async () => {
    // V8 takes an unknown flag with one line on the console and nothing else (see heap-growth.test.ts).
    const flags = JSON.stringify([...QUIET, ...BUSY]);
    const script = `const v8 = await import("node:v8"); for (const flag of ${flags}) v8.setFlagsFromString(flag); console.log("applied");`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: PACKAGE_DIR, timeout: 30_000 });
    expect((stdout + stderr).trim()).toBe("applied");
  });

  it("HEAP_QUIET_AFTER_MS is milliseconds, 10,000 unless set; 0 turns it off", () => {
    expect(configFromEnv({}).heapQuietAfterMs).toBe(10_000);
    expect(configFromEnv({ HEAP_QUIET_AFTER_MS: "2500" }).heapQuietAfterMs).toBe(2_500);
    expect(configFromEnv({ HEAP_QUIET_AFTER_MS: "0" }).heapQuietAfterMs).toBeUndefined();
    expect(() => configFromEnv({ HEAP_QUIET_AFTER_MS: "soon" })).toThrow(/HEAP_QUIET_AFTER_MS must be a non-negative integer, got "soon"/);
  });

  it("listen() tells onRequest of every request as it arrives", async () => {
    let told = 0;
    const served = await listen(() => new Response(String(told)), { host: "127.0.0.1", port: 0, onRequest: () => told++ });
    try {
      // The handler sees the count already raised: the request was told of before the app ran.
      expect(await (await fetch(`${served.url}/a`)).text()).toBe("1");
      expect(await (await fetch(`${served.url}/b`, { method: "POST", body: "x" })).text()).toBe("2");
    } finally {
      await served.close();
    }
  });

  it("a server goes quiet when nothing happens, and not at all with HEAP_QUIET_AFTER_MS=0", async () => {
    const database = await createTestDatabase();
    const dataDir = makeTempDir("open-chat-quiet-");
    try {
      const env = { DATA_DIR: dataDir, PORT: "0", DATABASE_URL: database.url, AUTH_SECRET: "quiet-heap-test-secret-quiet-heap" };
      const quiet = await startServer(configFromEnv({ ...env, HEAP_QUIET_AFTER_MS: "1" }), () => {});
      try {
        await vi.waitFor(() => expect(quiet.quietHeap?.quiet).toBe(true), { timeout: 10_000, interval: 5 });
      } finally {
        await quiet.close();
      }
      // Closing gave V8 its usual choices back.
      expect(quiet.quietHeap?.quiet).toBe(false);
      const never = await startServer(configFromEnv({ ...env, HEAP_QUIET_AFTER_MS: "0" }), () => {});
      await never.close();
      expect(never.quietHeap).toBeUndefined();
    } finally {
      removeDir(dataDir);
      await database.drop();
    }
  });
});
