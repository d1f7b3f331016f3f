/**
 * Prisma's real schema engine, in its WebAssembly build, driven over `@prisma/adapter-pg`.
 * Dev tooling only (creating migrations, the schema-drift test): the server never imports it,
 * and `@prisma/schema-engine-wasm` is a devDependency.
 *
 * Why: the Prisma 7 CLI needs a native `schema-engine` downloaded from outside the npm registry
 * to diff or create migrations. The wasm build is the same engine, published on npm.
 *
 * Workarounds for @prisma/adapter-pg 7.10 as a migration adapter (see ENVIRONMENT.md):
 * - `connectToShadowDb()` ignores the database name when the adapter was configured with a
 *   connection string (the shadow migrations would run in the main database). We create the
 *   shadow database ourselves, connect to it by URL and drop it when the engine disposes it
 *   (and again, defensively, in `close()`).
 * - `executeScript()` splits on `;` (breaks `$$` bodies and loses atomicity): replaced by one
 *   simple-protocol query, which Postgres runs as one implicit transaction.
 * - pg_catalog `"char"` columns (oid 18) are not mapped by the adapter: result columns of that
 *   type are reported as text.
 * - pools are created with `allowExitOnIdle` and ended in `close()`, or a CLI hangs ~10 s.
 * - a Rust panic inside the engine reports through `globalThis.PRISMA_WASM_PANIC_REGISTRY`,
 *   which must exist before the engine runs; we turn it into the thrown error's message.
 *
 * @example
 * const sql = await diffMigrationsToSchema({ url, migrationsDir, schema: { path, content } });
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaContainer, SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

export type { MigrationList, SchemaContainer, SchemaEngine };

/** Postgres type oid of pg_catalog's single-byte `"char"`. */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type EngineModule = typeof import("@prisma/schema-engine-wasm");

let engineModule: Promise<EngineModule> | undefined;
let lastPanic: string | undefined;

/**
 * Instantiates the wasm module once per process. Done by hand (glue module + bytes) rather than
 * `import "@prisma/schema-engine-wasm"`, whose `import "./x.wasm"` needs Node's experimental
 * wasm-modules support and is not understood by every loader (tsx, vitest).
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastPanic = message;
      },
    };
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve("@prisma/schema-engine-wasm"));
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, "schema_engine_bg.wasm")), {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return engineModule;
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A pg.Pool whose results report `"char"` columns as text, which adapter-pg can map. */
class CharAsTextPool extends pg.Pool {
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      return result.then((res: pg.QueryResult) => {
        for (const field of res?.fields ?? []) {
          if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
        }
        return res;
      }) as never;
    }
    return result as never;
  }
}

interface TrackedAdapter {
  adapter: SqlDriverAdapter;
  disposed: boolean;
}

/**
 * A migration-aware adapter factory for the engine that really isolates the shadow database.
 * `close()` ends every pool it opened and drops any shadow database left behind.
 */
function createAdapterFactory(url: string) {
  const opened: TrackedAdapter[] = [];
  const shadowDatabases = new Set<string>();

  async function connect(connectionString: string, onDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new CharAsTextPool({ connectionString, allowExitOnIdle: true, max: 4 });
    const adapter = await new PrismaPg(pool).connect();
    const tracked: TrackedAdapter = { adapter, disposed: false };
    opened.push(tracked);
    adapter.executeScript = async (script: string) => {
      await pool.query(script);
    };
    adapter.dispose = async () => {
      if (tracked.disposed) return;
      tracked.disposed = true;
      await pool.end();
      await onDispose?.();
    };
    return adapter;
  }

  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: () => connect(url),
    async connectToShadowDb() {
      const name = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
      await adminQuery(url, `CREATE DATABASE "${name}"`);
      shadowDatabases.add(name);
      return connect(withDatabase(url, name), async () => {
        await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        shadowDatabases.delete(name);
      });
    },
  };

  return {
    factory,
    async close() {
      for (const tracked of opened) await tracked.adapter.dispose();
      for (const name of shadowDatabases) await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      shadowDatabases.clear();
    },
  };
}

export interface SchemaEngineOptions {
  /**
   * Any database the role can connect to and `CREATE DATABASE` from. The engine connects to it
   * even for pure diffs; shadow databases are created beside it and dropped afterwards.
   */
  url: string;
  /** The schema the engine starts with (only needed by schema-aware commands). */
  schema?: SchemaContainer;
}

/** Runs `fn` with a fresh engine and releases every connection and shadow database after. */
export async function withSchemaEngine<T>(options: SchemaEngineOptions, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const adapters = createAdapterFactory(options.url);
  const logs: string[] = [];
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new(
      { datamodels: options.schema ? [[options.schema.path, options.schema.content]] : undefined },
      (line: string) => logs.push(line),
      bindMigrationAwareSqlAdapterFactory(adapters.factory),
    );
    return await fn(engine);
  } catch (error) {
    const panic = lastPanic;
    lastPanic = undefined;
    throw new Error(`schema engine: ${panic ?? describeEngineError(error)}`, { cause: error });
  } finally {
    engine?.free();
    await adapters.close();
  }
}

function describeEngineError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null) return JSON.stringify(error);
  return String(error);
}

/**
 * The committed migrations in the shape the engine expects. Directories are sorted by name,
 * as `prisma migrate` does; each must hold a `migration.sql`.
 */
export function readMigrationList(migrationsDir: string): MigrationList {
  const lockPath = join(migrationsDir, "migration_lock.toml");
  const directories = existsSync(migrationsDir)
    ? readdirSync(migrationsDir)
        .filter((name) => statSync(join(migrationsDir, name)).isDirectory())
        .sort()
    : [];
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: directories.map((name) => {
      const file = join(migrationsDir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: "ok", value: readFileSync(file, "utf8") }
            : { tag: "error", value: `${file} does not exist` },
        },
      };
    }),
  };
}

/** True when a script produced by `diff` contains no statement (only comments/whitespace). */
export function isEmptyMigration(sql: string): boolean {
  return (
    sql
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("--")).length === 0
  );
}

export interface DiffOptions {
  /** See {@link SchemaEngineOptions.url}. */
  url: string;
  /** The committed migrations (the starting point), replayed into a shadow database. */
  migrationsDir: string;
  /** The Prisma schema (the desired end state). */
  schema: SchemaContainer;
}

/**
 * The SQL that takes a database from "all committed migrations applied" to `schema`:
 * `prisma migrate diff --from-migrations <dir> --to-schema <file> --script`.
 * Returns "" when nothing is needed.
 */
export async function diffMigrationsToSchema(options: DiffOptions): Promise<string> {
  const migrations = readMigrationList(options.migrationsDir);
  const result = await withSchemaEngine({ url: options.url }, (engine) =>
    engine.diff({
      // Without any migration (and so without migration_lock.toml) the engine cannot tell the
      // connector from the directory: start from an empty database instead.
      from: migrations.migrationDirectories.length > 0 ? { tag: "migrations", ...migrations } : { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [options.schema] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
  const sql = result.stdout ?? "";
  return isEmptyMigration(sql) ? "" : sql;
}
