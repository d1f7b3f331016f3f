/**
 * threads/host.ts: a service started on a worker thread answers with its value, its start and
 * stop failures come back as errors (name, message, code), and a thread that dies before it
 * answers does not leave a start waiting.
 */
import { threadId as mainThreadId } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { startOnThread, threadEntry } from "../src/threads/host.js";
import type { ThreadServiceMode } from "./fixtures/thread-service.js";

const entry = threadEntry(import.meta.url, "fixtures/thread-service");
type Value = { greeting: string; isMainThread: boolean; threadId: number };
const start = (mode: ThreadServiceMode, greeting = "hello") => startOnThread<Value>(entry, { mode, greeting }, "test service");

describe("startOnThread", () => {
  it("runs the service on a thread of its own and hands back its value; stop is idempotent", async () => {
    const service = await start("ok");
    expect(service.value).toEqual({ greeting: "hello", isMainThread: false, threadId: expect.any(Number) });
    expect(service.value.threadId).not.toBe(mainThreadId);
    const stopped = service.stop();
    expect(service.stop()).toBe(stopped);
    await stopped;
  });

  it("rejects with the error the service's start threw: name, message and code", async () => {
    const failure = await start("fail-start", "no room").catch((error: unknown) => error as Error & { code?: string });
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ name: "RangeError", code: "E_NO_START", message: "cannot start: no room (on the test service thread)" });
  });

  it("rejects when the thread's module throws before the service starts", async () => {
    await expect(start("throw-while-loading")).rejects.toThrow("broken module");
  });

  it("rejects a stop the service fails, and still ends the thread", async () => {
    const service = await start("fail-stop");
    await expect(service.stop()).rejects.toThrow("cannot stop (on the test service thread)");
  });
});
