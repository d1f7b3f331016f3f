/**
 * The Prisma client over `@prisma/adapter-pg` (Prisma 7: no native query engine). One call, one
 * pool: no global or cached instance, so tests and several servers in one process each own
 * their connections.
 *
 * @example
 * const db = createDb({ connectionString: process.env.DATABASE_URL! });
 * await applyMigrations(db.pool);
 * const tenants = await db.prisma.tenant.count();
 * await db.close();
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type { PrismaClient };

export interface CreateDbOptions {
  connectionString: string;
  /** Maximum connections of the pool. Default 10 (pg's default). */
  max?: number;
}

export interface Db {
  prisma: PrismaClient;
  /** The pg pool under Prisma; usable for raw SQL and {@link applyMigrations}. */
  pool: pg.Pool;
  /** Disconnects Prisma and ends the pool. Idempotent. */
  close(): Promise<void>;
}

export function createDb({ connectionString, max = 10 }: CreateDbOptions): Db {
  const pool = new pg.Pool({ connectionString, max });
  // Idle clients that lose their connection (server restart) emit 'error' on the pool; without
  // a listener that would crash the process. The next query simply opens a new connection.
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}

/**
 * Loads the module that carries Prisma's query compiler (WebAssembly as ~2 MB of base64
 * JavaScript) ahead of the first query: the generated client imports it only then, and parsing
 * it took ~0.14 s of the start after the database was up. `startServer` calls this while the
 * embedded database still starts; the client's own import then finds it loaded.
 */
export async function warmQueryCompiler(module: string = QUERY_COMPILER_MODULE): Promise<void> {
  // Only a warm-up: a Prisma that moved the module costs the start those ~0.14 s, nothing more
  // (test/query-compiler-warmup.test.ts fails on such an upgrade, so it gets noticed).
  await import(module).catch(() => undefined);
}

/** What src/generated/prisma/internal/class.ts imports; Prisma ships no types for it. */
export const QUERY_COMPILER_MODULE = "@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs";
