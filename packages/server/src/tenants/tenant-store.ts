/**
 * Tenants and their API keys in Postgres. The store seals the secrets a tenant gives us
 * (secret-box.ts) and hashes keys (keys.ts); what it returns never contains either — only
 * `tenantSecrets()` opens them, for the server's own use (model client, JWT verification).
 *
 * What every browser request reads — the tenant row (`cached()`), a key's lookup, "are there
 * publishable keys", "does any tenant list this origin" — is cached per process for
 * `TENANT_CACHE_MS` (ttl-cache.ts): a send costs no tenant query. A change made through this
 * store (admin API) takes effect in this process at once; one made elsewhere (the CLI, another
 * app server) within `TENANT_CACHE_MS` — the staleness bound (README "Performance"). `get()`
 * always reads the row (admin API, end-user JWT sign-in: rare, and must see a change at once).
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { newId } from "../ids.js";
import { hashKey, kindOfKey, newApiKey, type KeyKind } from "./keys.js";
import { parseStoredBillingPolicy, type BillingPolicy } from "../billing/policy.js";
import { parseStoredLimits, type TenantLimits } from "./limits.js";
import { parseStoredPolicy, type ModelPolicy } from "./policy.js";
import type { SecretBox } from "./secret-box.js";
import { tenantIdFromName } from "./tenant-id.js";
import { createTtlCache } from "./ttl-cache.js";

export interface TenantRecord {
  id: string;
  name: string;
  allowedOrigins: string[];
  guestsAllowed: boolean;
  modelPolicy: ModelPolicy;
  /** Rate limits and quotas over the server's defaults (limits.ts). */
  limits: TenantLimits;
  /** Billing policy (billing/policy.ts): end-user accounts, guest budget, sign-up grant, daily limit. */
  billing: BillingPolicy;
  provider: { baseUrl: string; hasApiKey: boolean } | null;
  jwt: { hasSecret: boolean; jwksUrl: string | null; issuer: string | null; audience: string | null };
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantInput {
  name?: string;
  allowedOrigins?: string[];
  guestsAllowed?: boolean;
  modelPolicy?: ModelPolicy;
  /** Replaces the tenant's limits (unset fields: the server's defaults). */
  limits?: TenantLimits;
  /** Replaces the tenant's billing policy (unset fields: the defaults). */
  billing?: BillingPolicy;
  /** Bring your own provider; `null` removes it. */
  provider?: { baseUrl: string; apiKey: string } | null;
  /** End-user JWT verification; a `null` field removes that setting. */
  jwt?: { secret?: string | null; jwksUrl?: string | null; issuer?: string | null; audience?: string | null };
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  kind: KeyKind;
  display: string;
  name: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A key as created: the only moment its full value exists outside its owner. */
export interface CreatedApiKey extends ApiKeyRecord {
  key: string;
}

export interface ActiveKey {
  id: string;
  tenantId: string;
  kind: KeyKind;
}

export interface TenantSecrets {
  providerApiKey?: string;
  jwtSecret?: string;
}

export interface TenantStore {
  create(input: TenantInput & { id?: string; name: string }): Promise<TenantRecord>;
  get(id: string): Promise<TenantRecord | null>;
  /** The tenant as read at most `TENANT_CACHE_MS` ago (the per-request path); null when there is none. */
  cached(id: string): Promise<TenantRecord | null>;
  list(): Promise<TenantRecord[]>;
  update(id: string, patch: TenantInput): Promise<TenantRecord | null>;
  createKey(tenantId: string, kind: KeyKind, name?: string): Promise<CreatedApiKey>;
  listKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** False when the key is not the tenant's (or does not exist). Revoking twice is fine. */
  revokeKey(tenantId: string, keyId: string): Promise<ApiKeyRecord | null>;
  /** A new key of the same kind and name; the old one is revoked in the same transaction. */
  rotateKey(tenantId: string, keyId: string): Promise<CreatedApiKey | null>;
  /** The active key behind a raw key value, recording its use; null when unknown or revoked. */
  findActiveKey(raw: string): Promise<ActiveKey | null>;
  /** Whether any tenant has an active publishable key (then browsers must present one). */
  hasPublishableKeys(): Promise<boolean>;
  /** Whether any tenant lists `origin` (CORS preflights carry no key, only the origin). */
  isOriginAllowedAnywhere(origin: string): Promise<boolean>;
  tenantSecrets(id: string): Promise<TenantSecrets>;
}

/** `lastUsedAt` is written at most this often per key (a key is used on every request). */
const LAST_USED_RESOLUTION_MS = 60_000;
/** How stale a tenant row or key lookup may be in a process that did not make the change. */
export const TENANT_CACHE_MS = 5_000;

interface KeyRowLookup {
  id: string;
  tenantId: string;
  kind: string;
  revokedAt: Date | null;
}

type TenantRow = Prisma.TenantGetPayload<object>;
type KeyRow = Prisma.ApiKeyGetPayload<object>;

export function createTenantStore(prisma: PrismaClient, box: SecretBox, clock: () => Date = () => new Date(), options: { cacheMs?: number } = {}): TenantStore {
  const lastTouched = new Map<string, number>();
  const cacheMs = options.cacheMs ?? TENANT_CACHE_MS;
  const tenantRows = createTtlCache<string, TenantRecord | null>(cacheMs);
  const keyRows = createTtlCache<string, KeyRowLookup | null>(cacheMs);
  const anyPublishable = createTtlCache<"any", boolean>(cacheMs);
  const originListed = createTtlCache<string, boolean>(cacheMs);
  const tenantChanged = (id: string) => {
    tenantRows.delete(id);
    originListed.clear();
  };
  const keysChanged = () => {
    keyRows.clear();
    anyPublishable.clear();
  };

  function toRecord(row: TenantRow): TenantRecord {
    return {
      id: row.id,
      name: row.name,
      allowedOrigins: row.allowedOrigins,
      guestsAllowed: row.guestsAllowed,
      modelPolicy: parseStoredPolicy(row.modelPolicy),
      limits: parseStoredLimits(row.limits),
      billing: parseStoredBillingPolicy(row.billing),
      provider: row.providerBaseUrl ? { baseUrl: row.providerBaseUrl, hasApiKey: row.providerKeyEncrypted !== null } : null,
      jwt: { hasSecret: row.jwtSecretEncrypted !== null, jwksUrl: row.jwksUrl, issuer: row.jwtIssuer, audience: row.jwtAudience },
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  function columnsOf(input: TenantInput) {
    const data: Prisma.TenantUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.allowedOrigins !== undefined) data.allowedOrigins = [...new Set(input.allowedOrigins)];
    if (input.guestsAllowed !== undefined) data.guestsAllowed = input.guestsAllowed;
    if (input.modelPolicy !== undefined) data.modelPolicy = input.modelPolicy as Prisma.InputJsonValue;
    if (input.limits !== undefined) data.limits = input.limits as Prisma.InputJsonValue;
    if (input.billing !== undefined) data.billing = input.billing as Prisma.InputJsonValue;
    if (input.provider === null) Object.assign(data, { providerBaseUrl: null, providerKeyEncrypted: null });
    else if (input.provider) Object.assign(data, { providerBaseUrl: input.provider.baseUrl, providerKeyEncrypted: box.seal(input.provider.apiKey) });
    const jwt = input.jwt;
    if (jwt?.secret !== undefined) data.jwtSecretEncrypted = jwt.secret === null ? null : box.seal(jwt.secret);
    if (jwt?.jwksUrl !== undefined) data.jwksUrl = jwt.jwksUrl;
    if (jwt?.issuer !== undefined) data.jwtIssuer = jwt.issuer;
    if (jwt?.audience !== undefined) data.jwtAudience = jwt.audience;
    return data;
  }

  async function readTenant(id: string): Promise<TenantRecord | null> {
    const row = await prisma.tenant.findUnique({ where: { id } });
    return row && toRecord(row);
  }

  function keyRecord(row: KeyRow): ApiKeyRecord {
    return {
      id: row.id,
      tenantId: row.tenantId,
      kind: row.kind as KeyKind,
      display: row.display,
      name: row.name,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      lastUsedAt: row.lastUsedAt,
    };
  }

  async function insertKey(tx: Prisma.TransactionClient | PrismaClient, tenantId: string, kind: KeyKind, name?: string | null): Promise<CreatedApiKey> {
    const fresh = newApiKey(kind);
    const row = await tx.apiKey.create({ data: { id: newId("key"), tenantId, kind, hash: fresh.hash, display: fresh.display, name: name ?? null } });
    return { ...keyRecord(row), key: fresh.key };
  }

  return {
    async create(input) {
      const row = await prisma.tenant.create({
        data: { ...(columnsOf(input) as Prisma.TenantCreateInput), id: input.id ?? tenantIdFromName(input.name), name: input.name },
      });
      tenantChanged(row.id);
      return toRecord(row);
    },
    get: readTenant,
    cached(id) {
      return tenantRows.get(id, () => readTenant(id));
    },
    async list() {
      return (await prisma.tenant.findMany({ orderBy: { createdAt: "asc" } })).map(toRecord);
    },
    async update(id, patch) {
      try {
        const row = await prisma.tenant.update({ where: { id }, data: columnsOf(patch) });
        tenantChanged(id);
        return toRecord(row);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") return null;
        throw error;
      }
    },
    async createKey(tenantId, kind, name) {
      const created = await insertKey(prisma, tenantId, kind, name);
      keysChanged();
      return created;
    },
    async listKeys(tenantId) {
      return (await prisma.apiKey.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } })).map(keyRecord);
    },
    async revokeKey(tenantId, keyId) {
      const row = await prisma.apiKey.findFirst({ where: { id: keyId, tenantId } });
      if (!row) return null;
      if (row.revokedAt) return keyRecord(row);
      const revoked = await prisma.apiKey.update({ where: { id: keyId }, data: { revokedAt: clock() } });
      keysChanged();
      return keyRecord(revoked);
    },
    async rotateKey(tenantId, keyId) {
      const rotated = await prisma.$transaction(async (tx) => {
        const old = await tx.apiKey.findFirst({ where: { id: keyId, tenantId, revokedAt: null } });
        if (!old) return null;
        await tx.apiKey.update({ where: { id: keyId }, data: { revokedAt: clock() } });
        return insertKey(tx, tenantId, old.kind as KeyKind, old.name);
      });
      keysChanged();
      return rotated;
    },
    async findActiveKey(raw) {
      const kind = kindOfKey(raw);
      if (!kind) return null;
      const hash = hashKey(raw);
      const row = await keyRows.get(hash, () => prisma.apiKey.findUnique({ where: { hash }, select: { id: true, tenantId: true, kind: true, revokedAt: true } }));
      if (!row || row.revokedAt || row.kind !== kind) return null;
      const now = clock().getTime();
      if ((lastTouched.get(row.id) ?? 0) + LAST_USED_RESOLUTION_MS <= now) {
        lastTouched.set(row.id, now);
        await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
      }
      return { id: row.id, tenantId: row.tenantId, kind };
    },
    hasPublishableKeys() {
      return anyPublishable.get("any", async () => (await prisma.apiKey.count({ where: { kind: "publishable", revokedAt: null }, take: 1 })) > 0);
    },
    isOriginAllowedAnywhere(origin) {
      return originListed.get(origin, async () => (await prisma.tenant.count({ where: { allowedOrigins: { has: origin } }, take: 1 })) > 0);
    },
    async tenantSecrets(id) {
      const row = await prisma.tenant.findUnique({ where: { id }, select: { providerKeyEncrypted: true, jwtSecretEncrypted: true } });
      if (!row) return {};
      return {
        ...(row.providerKeyEncrypted ? { providerApiKey: box.open(row.providerKeyEncrypted) } : {}),
        ...(row.jwtSecretEncrypted ? { jwtSecret: box.open(row.jwtSecretEncrypted) } : {}),
      };
    },
  };
}
