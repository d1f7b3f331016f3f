/**
 * Builds `dist/pglite-template/` (src/db/pglite-template.ts): a PGlite data folder with every
 * committed migration applied and initdb's template databases dropped, closed cleanly
 * (src/db/pglite-template-build.ts). A fresh embedded database starts as a copy of it
 * instead of running initdb. Part of `pnpm build` (after tsup).
 *
 * Cached in `node_modules/.cache/open-chat/` under a key of the PGlite build, the migrations and
 * the databases it drops, so a rebuild without a new migration or PGlite costs a folder copy.
 *
 *   node --import tsx scripts/pglite-template.ts [--out dist/pglite-template]
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readMigrations } from "../src/db/migrate.js";
import { buildPgliteTemplate, DROPPED_DATABASES } from "../src/db/pglite-template-build.js";
import { PGLITE_TEMPLATE_DIR } from "../src/db/pglite-template.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { out: { type: "string", default: join(root, "dist", PGLITE_TEMPLATE_DIR) } } });

// The resolved module path names the PGlite version (and build) the folder belongs to.
const key = createHash("sha256")
  .update(import.meta.resolve("@electric-sql/pglite"))
  .update(DROPPED_DATABASES.join(","))
  .update(readMigrations().map((m) => `${m.name}:${m.checksum}`).join("\n"))
  .digest("hex")
  .slice(0, 16);
const cacheDir = join(root, "node_modules", ".cache", "open-chat");
const cached = join(cacheDir, `${PGLITE_TEMPLATE_DIR}-${key}`);

if (!existsSync(join(cached, "PG_VERSION"))) {
  const started = performance.now();
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(join(cacheDir, "building-"));
  try {
    await buildPgliteTemplate(dir);
    rmSync(cached, { recursive: true, force: true });
    renameSync(dir, cached); // whole or absent, even if two builds race
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`pglite template: built in ${Math.round(performance.now() - started)} ms`);
}
rmSync(values.out, { recursive: true, force: true });
cpSync(cached, values.out, { recursive: true });
console.log(`pglite template: ${values.out}`);
