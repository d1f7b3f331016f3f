/**
 * The per-process tenant cache (tenants/tenant-store.ts, ttl-cache.ts): the per-request reads
 * (`cached()`, key lookups, "any publishable key") are served from memory within the TTL, a
 * change made through the store shows at once, and `get()` always reads the row. A change made
 * behind the store's back (another process) stays unseen until the TTL passes — which is why
 * the TTL is short; here it is set long so the test cannot race it.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import { createDb, type Db } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrate.js";
import { createSecretBox } from "../src/tenants/secret-box.js";
import { createTenantStore, type TenantStore } from "../src/tenants/tenant-store.js";
import { createTtlCache } from "../src/tenants/ttl-cache.js";

let database: TestDatabase;
let db: Db;
let store: TenantStore;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: applyMigrations });
  db = createDb({ connectionString: database.url });
  store = createTenantStore(db.prisma, createSecretBox(randomBytes(32).toString("base64url")), () => new Date(), { cacheMs: 60_000 });
}, 60_000);
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe("tenant cache", () => {
  it("serves cached() from memory, shows the store's own writes at once, and get() reads the row", async () => {
    const tenant = await store.create({ name: "Cache shop", allowedOrigins: ["https://a.example"] });
    expect((await store.cached(tenant.id))?.allowedOrigins).toEqual(["https://a.example"]);
    // Another process changes the row: this one keeps the cached row (no query) until the TTL.
    await db.prisma.tenant.update({ where: { id: tenant.id }, data: { allowedOrigins: ["https://b.example"] } });
    expect((await store.cached(tenant.id))?.allowedOrigins).toEqual(["https://a.example"]);
    expect((await store.get(tenant.id))?.allowedOrigins).toEqual(["https://b.example"]);
    // A change through the store is seen at once.
    await store.update(tenant.id, { allowedOrigins: ["https://c.example"] });
    expect((await store.cached(tenant.id))?.allowedOrigins).toEqual(["https://c.example"]);
    expect(await store.isOriginAllowedAnywhere("https://c.example")).toBe(true);
  });

  it("a key revoked or created through the store counts at once", async () => {
    const tenant = await store.create({ name: "Key shop" });
    expect(await store.hasPublishableKeys()).toBe(false);
    const key = await store.createKey(tenant.id, "publishable");
    expect(await store.hasPublishableKeys()).toBe(true);
    expect(await store.findActiveKey(key.key)).toMatchObject({ id: key.id, tenantId: tenant.id });
    await store.revokeKey(tenant.id, key.id);
    expect(await store.findActiveKey(key.key)).toBeNull();
    expect(await store.hasPublishableKeys()).toBe(false);
    const rotatedFrom = await store.createKey(tenant.id, "publishable");
    expect(await store.findActiveKey(rotatedFrom.key)).not.toBeNull();
    const rotated = await store.rotateKey(tenant.id, rotatedFrom.id);
    expect(await store.findActiveKey(rotatedFrom.key)).toBeNull();
    expect(await store.findActiveKey(rotated!.key)).not.toBeNull();
  });
});

describe("ttl cache", () => {
  it("shares one load between concurrent misses and does not keep a failed one", async () => {
    const cache = createTtlCache<string, number>(60_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("k", load), cache.get("k", load)])).toEqual([1, 1]);
    expect(loads).toBe(1);
    await expect(cache.get("bad", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("bad", load)).toBe(2);
    cache.delete("k");
    expect(await cache.get("k", load)).toBe(3);
  });
});
