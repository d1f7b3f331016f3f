/** Small pieces: backoff, errors, storage, the persistence saver, client ids. */
import { describe, expect, test } from "vitest";
import { EMPTY_CHAT_STATE } from "@open-chat/shared";
import { OpenChatError, TransportError, isRetryable, localStorageStorage, manualNetwork, memoryStorage } from "../src/index.js";
import { backoffDelay, pause, resolveBackoff, retryDelay } from "../src/backoff.js";
import { newClientMessageId } from "../src/ids.js";
import { createSaver } from "../src/tail/persist.js";
import { decodeSnapshot } from "../src/tail/snapshot.js";
import { defaultStorage } from "../src/storage.js";

describe("backoff", () => {
  test("full jitter: attempt n waits in [0, min(max, initial * 2^n)]", () => {
    const top = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 10, 100].map((n) => backoffDelay(n, top))).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(backoffDelay(5, resolveBackoff({ random: () => 0 }))).toBe(0);
    const defaults = resolveBackoff();
    expect([defaults.initialDelayMs, defaults.maxDelayMs]).toEqual([250, 10_000]);
  });

  test("a retry never comes before the server's Retry-After (clamped to 250 ms – 30 s)", () => {
    const backoff = resolveBackoff({ initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
    expect(retryDelay(0, backoff, undefined)).toBe(50);
    expect(retryDelay(0, backoff, 2000)).toBe(2000); // 503 overloaded, Retry-After: 2
    expect(retryDelay(4, backoff, 10)).toBe(500); // the backoff is already longer
    expect(retryDelay(0, backoff, 0)).toBe(250);
    expect(retryDelay(0, backoff, 3_600_000)).toBe(30_000);
  });

  test("a pause ends early when the network comes back or is aborted", async () => {
    const network = manualNetwork(false);
    const waiting = pause(Number.POSITIVE_INFINITY, { signal: new AbortController().signal, network });
    network.set(true);
    await waiting;
    const abort = new AbortController();
    const aborted = pause(Number.POSITIVE_INFINITY, { signal: abort.signal, network });
    abort.abort();
    await aborted;
  });
});

describe("errors", () => {
  const request = { method: "post", url: "/v1/chats" };
  test("protocol errors read the body's code and format like ofetch", async () => {
    const response = new Response(JSON.stringify({ error: { code: "chat_not_found", message: "no such chat" } }), { status: 404 });
    const error = await OpenChatError.fromResponse(response, request);
    expect(error.message).toBe('[POST] "/v1/chats": 404 chat_not_found: no such chat');
    expect([error.status, error.code, error.detail, error.retryable]).toEqual([404, "chat_not_found", "no such chat", false]);
    expect(error).toBeInstanceOf(Error);
  });
  test("a body without our shape gets a code from the status", async () => {
    const error = await OpenChatError.fromResponse(new Response("<html>", { status: 429 }), request);
    expect([error.code, error.retryable]).toEqual(["rate_limited", true]);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });
  test("transport errors keep their cause and are retryable", () => {
    const cause = new TypeError("fetch failed");
    const error = TransportError.fromCause(cause, request);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('[POST] "/v1/chats": fetch failed');
    expect(isRetryable(error)).toBe(true);
    expect(isRetryable(new Error("x"))).toBe(false);
  });
});

describe("storage", () => {
  test("memoryStorage and localStorageStorage get, set and delete", async () => {
    const map = new Map<string, string>();
    const fakeLocalStorage = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    } as unknown as Storage;
    for (const storage of [memoryStorage(), localStorageStorage(fakeLocalStorage)]) {
      expect(await storage.get("k")).toBeNull();
      await storage.set("k", "v");
      expect(await storage.get("k")).toBe("v");
      await storage.delete("k");
      expect(await storage.get("k")).toBeNull();
    }
  });
  test("the default is memory where there is no localStorage (Node)", async () => {
    const storage = defaultStorage();
    await storage.set("a", "b");
    expect(await storage.get("a")).toBe("b");
  });
});

describe("saver", () => {
  test("writes the latest pair once per interval, and a failing write removes the key", async () => {
    const storage = memoryStorage();
    let offset = "0000000000000000000A000000";
    const saver = createSaver({ storage, key: "k", intervalMs: 10_000, read: () => ({ offset, state: EMPTY_CHAT_STATE }) });
    saver.schedule();
    offset = "0000000000000000000B000000";
    saver.schedule();
    expect(await storage.get("k")).toBeNull(); // not yet: the interval has not passed
    await saver.flush();
    expect(decodeSnapshot(await storage.get("k"))!.offset).toBe("0000000000000000000B000000");

    const full = { ...memoryStorage([["k", "old"]]), set: async () => Promise.reject(new Error("QuotaExceededError")) };
    const failing = createSaver({ storage: full, key: "k", intervalMs: 0, read: () => ({ offset, state: EMPTY_CHAT_STATE }) });
    failing.schedule();
    await failing.flush();
    expect(await full.get("k")).toBeNull();
  });
});

test("client message ids are UUIDs", () => {
  expect(newClientMessageId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
