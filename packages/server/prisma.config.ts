/**
 * Prisma CLI configuration of @open-chat/server.
 *
 * Offline engine trick: the Prisma 7 CLI downloads a native `schema-engine` from
 * binaries.prisma.sh before `generate`, `validate`, `format`, `migrate` and `db`, even though
 * `generate`, `validate` and `format` never run it (they use the WebAssembly schema tooling
 * bundled with the CLI). Where that host is unreachable the download fails. Pointing Prisma's
 * documented custom-engine variable `PRISMA_SCHEMA_ENGINE_BINARY` at any existing file skips
 * the download.
 *
 * - `PRISMA_OFFLINE=1`: always skip the download (then `migrate`/`db` cannot work: use
 *   `tsx scripts/migrations.ts` to create migrations; the server applies them itself).
 * - `PRISMA_OFFLINE=0`: never touch the variable.
 * - unset (default): skip the download only for `generate`/`validate`/`format` and only when the
 *   native engine is not installed, so `pnpm generate` works on a machine without the engine
 *   and machines that have it behave exactly as stock Prisma.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { defineConfig } from "prisma/config";

const ENGINE_FREE_COMMANDS = new Set(["generate", "validate", "format"]);

function cliCommand(): string | undefined {
  return process.argv.slice(2).find((arg) => !arg.startsWith("-"));
}

function nativeSchemaEngineInstalled(): boolean {
  try {
    const fromHere = createRequire(import.meta.url);
    const fromPrisma = createRequire(fromHere.resolve("prisma/package.json"));
    const enginesDir = dirname(fromPrisma.resolve("@prisma/engines/package.json"));
    return readdirSync(enginesDir).some((file) => file.startsWith("schema-engine-"));
  } catch {
    return false;
  }
}

function useOfflineEngine(): boolean {
  const flag = process.env.PRISMA_OFFLINE;
  if (flag === "1") return true;
  if (flag === "0") return false;
  const command = cliCommand();
  return command !== undefined && ENGINE_FREE_COMMANDS.has(command) && !nativeSchemaEngineInstalled();
}

if (useOfflineEngine() && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync("/bin/false") ? "/bin/false" : process.execPath;
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Only `migrate`/`db` commands need a URL; `generate` must work without one.
  ...(process.env.DATABASE_URL ? { datasource: { url: process.env.DATABASE_URL } } : {}),
});
