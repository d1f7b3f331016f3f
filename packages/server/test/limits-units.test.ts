/**
 * The parts of the limits that need no server: client addresses behind trusted proxies, the
 * connection budget from the open-file limit (and Node raising its soft limit), tail slots,
 * memory counters, tenant limits' rules, and the environment variables.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir, removeDir } from "@open-chat/testing";
import { configFromEnv } from "../src/config.js";
import { addressBucket, clientAddress, compileTrustedProxies } from "../src/limits/client-ip.js";
import { createMemoryCounters } from "../src/limits/counters.js";
import { FD_RESERVE, openFileLimit, processTailBudget, tailBudget } from "../src/limits/fd-budget.js";
import { createTailSlots } from "../src/limits/tail-slots.js";
import { DEFAULT_SETTINGS } from "../src/settings.js";
import { looserThanDefaults, parseStoredLimits, resolveLimits } from "../src/tenants/limits.js";

describe("client address", () => {
  const none = compileTrustedProxies([]);
  const proxies = compileTrustedProxies(["loopback", "10.0.0.0/8"]);

  it("is the peer when the peer is not a trusted proxy, whatever X-Forwarded-For says", () => {
    expect(clientAddress("203.0.113.9", "198.51.100.1", none)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", "198.51.100.1", none)).toBe("127.0.0.1");
    expect(clientAddress("203.0.113.9", "127.0.0.1", proxies)).toBe("203.0.113.9");
  });

  it("is the right-most address a trusted proxy did not add itself", () => {
    expect(clientAddress("127.0.0.1", "198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("127.0.0.1", "6.6.6.6, 198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::ffff:127.0.0.1", "198.51.100.1", proxies)).toBe("198.51.100.1");
    expect(clientAddress("::1", "2001:db8::1", proxies)).toBe("2001:db8::1");
    // Only trusted hops: the left-most is as far as anyone can tell.
    expect(clientAddress("127.0.0.1", "10.0.0.1, 10.0.0.2", proxies)).toBe("10.0.0.1");
    expect(clientAddress("127.0.0.1", undefined, proxies)).toBe("127.0.0.1");
  });

  it("falls back to the hop that wrote garbage, and is null without a peer", () => {
    expect(clientAddress("127.0.0.1", "not-an-ip", proxies)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", `${"x".repeat(70_000)}`, proxies)).toBe("127.0.0.1");
    expect(clientAddress(undefined, "198.51.100.1", proxies)).toBeNull();
  });

  it("buckets IPv6 by /64 and IPv4-mapped addresses as IPv4", () => {
    expect(addressBucket("198.51.100.7")).toBe("198.51.100.7");
    expect(addressBucket("::ffff:198.51.100.7")).toBe("198.51.100.7");
    expect(addressBucket("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8:1:3::9")).not.toBe(addressBucket("2001:db8:1:2::9"));
  });

  it("refuses a TRUSTED_PROXIES entry that is not an address, a CIDR or a range name", () => {
    expect(() => compileTrustedProxies(["lopback"])).toThrow(/TRUSTED_PROXIES/);
    expect(() => compileTrustedProxies(["10.0.0.0/33"])).toThrow(/TRUSTED_PROXIES/);
    expect(() => configFromEnv({ TRUSTED_PROXIES: "loopback, example.com" })).toThrow(/TRUSTED_PROXIES/);
  });
});

describe("connection budget from the open-file limit", () => {
  it("reads the soft and hard limits from a limits file", () => {
    const dir = makeTempDir("open-chat-limits-");
    try {
      const file = join(dir, "limits");
      writeFileSync(file, "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n");
      expect(openFileLimit(file)).toEqual({ soft: 1024, hard: 524288 });
      writeFileSync(file, "Max open files            unlimited            unlimited            files\n");
      expect(openFileLimit(file)?.soft).toBe(Number.MAX_SAFE_INTEGER);
      expect(openFileLimit(join(dir, "missing"))).toBeNull();
    } finally {
      removeDir(dir);
    }
  });

  it("keeps 20 % and a reserve free; a tail costs 2 descriptors (3 with embedded streams)", () => {
    // The machine: 700 tails at 1,024 open files ran out of descriptors.
    expect(tailBudget(1024, { embeddedStreams: false })).toBe(Math.floor((819 - FD_RESERVE) / 2));
    expect(tailBudget(1024, { embeddedStreams: true })).toBe(819 - FD_RESERVE); // append notices: the client's socket only
    expect(tailBudget(1024, { embeddedStreams: true, longPoll: true })).toBe(Math.floor((819 - FD_RESERVE) / 3));
    expect(tailBudget(1024, { embeddedStreams: true, longPoll: true })).toBeLessThan(700 / 2);
    expect(tailBudget(65_536, { embeddedStreams: false })).toBe(26_150);
    expect(tailBudget(1024, { embeddedStreams: false, parking: true })).toBe(Math.floor((819 - FD_RESERVE) / 1.5)); // idle tails park: the socket, and a live read for every third
    expect(tailBudget(10, { embeddedStreams: false })).toBe(1);
    expect(processTailBudget(50, { embeddedStreams: false })).toEqual({ tails: 50, source: "MAX_TAILS_PER_PROCESS" });
    expect(processTailBudget(undefined, { embeddedStreams: false, limitsFile: "/nonexistent" }).source).toBe("open-file limit unknown");
  });

  it.runIf(process.platform === "linux")("Node raises its soft open-file limit to the hard limit at start-up", () => {
    const limit = openFileLimit();
    expect(limit).not.toBeNull();
    if (limit!.hard <= 256) return; // nothing to raise on this machine
    const script = `import("${new URL("../src/limits/fd-budget.ts", import.meta.url).pathname}").then((m) => console.log(JSON.stringify(m.openFileLimit())))`;
    const run = spawnSync("sh", ["-c", `ulimit -Sn 256 && ulimit -Sn && exec "${process.execPath}" --import tsx -e '${script}'`], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const [shellSoft, json] = run.stdout.trim().split("\n");
    expect(shellSoft).toBe("256");
    expect(JSON.parse(json!)).toEqual({ soft: limit!.hard, hard: limit!.hard });
  });
});

describe("tail slots", () => {
  it("caps per user and per process; a slot is released once", () => {
    const slots = createTailSlots(3);
    const a1 = slots.acquire("a", 2);
    const a2 = slots.acquire("a", 2);
    expect(slots.acquire("a", 2)).toBe("tailsPerUser");
    const b1 = slots.acquire("b", 2);
    expect(slots.acquire("c", 2)).toBe("tailsPerProcess");
    for (const slot of [a1, a2, b1]) expect(typeof slot).toBe("object");
    (a1 as { release(): void }).release();
    (a1 as { release(): void }).release();
    expect(slots.open).toBe(2);
    expect(slots.openOf("a")).toBe(1);
    expect(typeof slots.acquire("c", 2)).toBe("object");
    // 0 = no cap.
    const open = createTailSlots(0);
    for (let i = 0; i < 100; i++) expect(typeof open.acquire("a", 0)).toBe("object");
  });
});

describe("memory counters (embedded mode)", () => {
  it("counts hits in a window, refuses past it with the time left, and takes refunds", async () => {
    const counters = createMemoryCounters();
    expect(counters.kind).toBe("memory");
    expect(await counters.take("b", "k", 2, 60)).toEqual({ ok: true });
    expect(await counters.take("b", "k", 2, 60)).toEqual({ ok: true });
    const refused = await counters.take("b", "k", 2, 60);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.retryAfterMs).toBeGreaterThan(58_000);
    expect(await counters.take("b", "other", 2, 60)).toEqual({ ok: true });
    expect(await counters.take("c", "k", 2, 60)).toEqual({ ok: true });
    const fresh = createMemoryCounters();
    await fresh.take("b", "k", 1, 60);
    await fresh.refund("b", "k", 1, 60);
    expect(await fresh.take("b", "k", 1, 60)).toEqual({ ok: true });
  });
});

describe("tenant limits", () => {
  const defaults = { signInsPerMinute: 30, sendsPerMinute: 20, tenantSendsPerMinute: 600, chatsPerDay: 200, runningAnswersPerUser: 3, tailsPerUser: 20 };

  it("fall back to the server's defaults field by field; a hand-edited bad value counts as none", () => {
    expect(resolveLimits({ sendsPerMinute: 5 }, defaults)).toEqual({ ...defaults, sendsPerMinute: 5 });
    expect(parseStoredLimits({ sendsPerMinute: -1 })).toEqual({});
    expect(parseStoredLimits(null)).toEqual({});
  });

  it("name the first field a secret key would loosen (0 = off is the loosest)", () => {
    expect(looserThanDefaults({ sendsPerMinute: 5, chatsPerDay: 200 }, defaults)).toBeNull();
    expect(looserThanDefaults({ sendsPerMinute: 21 }, defaults)).toBe("sendsPerMinute");
    expect(looserThanDefaults({ tailsPerUser: 0 }, defaults)).toBe("tailsPerUser");
    expect(looserThanDefaults({ tailsPerUser: 0 }, { ...defaults, tailsPerUser: 0 })).toBeNull();
    expect(looserThanDefaults({ chatsPerDay: 5 }, { ...defaults, chatsPerDay: 0 })).toBeNull();
  });
});

describe("environment", () => {
  it("has real defaults", () => {
    expect(configFromEnv({}).settings.limits).toEqual(DEFAULT_SETTINGS.limits);
    expect(DEFAULT_SETTINGS.limits).toEqual({
      signInsPerMinute: 30,
      sendsPerMinute: 20,
      tenantSendsPerMinute: 600,
      chatsPerDay: 200,
      runningAnswersPerUser: 3,
      tailsPerUser: 20,
      trustedProxies: [],
    });
  });

  it("reads every limit's variable", () => {
    const limits = configFromEnv({
      RATE_SIGNINS_PER_MINUTE: "5",
      RATE_SENDS_PER_MINUTE: "6",
      RATE_TENANT_SENDS_PER_MINUTE: "7",
      QUOTA_CHATS_PER_DAY: "8",
      MAX_RUNNING_ANSWERS_PER_USER: "0",
      MAX_TAILS_PER_USER: "9",
      MAX_TAILS_PER_PROCESS: "100",
      TRUSTED_PROXIES: "loopback, 10.0.0.0/8,192.0.2.1",
    }).settings.limits;
    expect(limits).toEqual({
      signInsPerMinute: 5,
      sendsPerMinute: 6,
      tenantSendsPerMinute: 7,
      chatsPerDay: 8,
      runningAnswersPerUser: 0,
      tailsPerUser: 9,
      tailsPerProcess: 100,
      trustedProxies: ["loopback", "10.0.0.0/8", "192.0.2.1"],
    });
    expect(() => configFromEnv({ RATE_SENDS_PER_MINUTE: "-1" })).toThrow(/RATE_SENDS_PER_MINUTE/);
    expect(() => configFromEnv({ MAX_TAILS_PER_PROCESS: "many" })).toThrow(/MAX_TAILS_PER_PROCESS/);
  });
});
