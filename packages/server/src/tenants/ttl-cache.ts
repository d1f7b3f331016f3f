/**
 * A small per-process read-through cache with a time to live: what a hot path reads on every
 * request (the tenant row, a key's lookup) is read from the database at most once per `ttlMs`
 * per key. Concurrent misses of one key share one load. Real time (performance.now), not a
 * service clock: a test's frozen clock must not freeze the cache.
 */
export interface TtlCache<K, V> {
  /** The cached value, or `load()`'s (cached for `ttlMs`; a failed load is not cached). */
  get(key: K, load: () => Promise<V>): Promise<V>;
  /** Forgets one key (a write through this process changed it). */
  delete(key: K): void;
  /** Forgets everything. */
  clear(): void;
}

export function createTtlCache<K, V>(ttlMs: number, maxEntries = 10_000): TtlCache<K, V> {
  // An invalidation removes a load still in flight too: nothing read before a write outlives it.
  const entries = new Map<K, { until: number; value: Promise<V> }>();
  return {
    get(key, load) {
      if (ttlMs <= 0) return load();
      const hit = entries.get(key);
      if (hit && hit.until > performance.now()) return hit.value;
      const value = load();
      if (entries.size >= maxEntries) entries.clear();
      entries.set(key, { until: performance.now() + ttlMs, value });
      value.catch(() => {
        if (entries.get(key)?.value === value) entries.delete(key);
      });
      return value;
    },
    delete(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}
