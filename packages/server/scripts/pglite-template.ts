/**
 * Builds `dist/pglite-template.tar.gz` (src/db/pglite-template.ts): a PGlite data folder with
 * every committed migration applied, dumped with PGlite's `dumpDataDir("gzip")`. A fresh
 * embedded database loads it instead of running initdb. Part of `pnpm build` (after tsup).
 *
 * Cached in `node_modules/.cache/open-chat/` under a key of the PGlite build and the
 * migrations, so a rebuild without a new migration or PGlite costs a file copy.
 *
 *   node --import tsx scripts/pglite-template.ts [--out dist/pglite-template.tar.gz]
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { applyMigrations, readMigrations } from "../src/db/migrate.js";
import { PGLITE_TEMPLATE_FILE } from "../src/db/pglite-template.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { out: { type: "string", default: join(root, "dist", PGLITE_TEMPLATE_FILE) } } });

// The resolved module path names the PGlite version (and build) the dump belongs to.
const key = createHash("sha256")
  .update(import.meta.resolve("@electric-sql/pglite"))
  .update(readMigrations().map((m) => `${m.name}:${m.checksum}`).join("\n"))
  .digest("hex")
  .slice(0, 16);
const cached = join(root, "node_modules", ".cache", "open-chat", `pglite-template-${key}.tar.gz`);

if (!existsSync(cached)) {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "open-chat-pglite-template-"));
  try {
    const pg = await startEmbeddedPostgres({ dataDir: dir, template: false });
    try {
      await applyMigrations({ connectionString: pg.connectionString });
    } finally {
      await pg.stop();
    }
    const db = await PGlite.create({ dataDir: dir });
    const dump = await db.dumpDataDir("gzip");
    await db.close();
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(`${cached}.tmp`, Buffer.from(await dump.arrayBuffer()));
    renameSync(`${cached}.tmp`, cached); // whole or absent, even if two builds race
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`pglite template: built in ${Math.round(performance.now() - started)} ms`);
}
mkdirSync(dirname(values.out), { recursive: true });
copyFileSync(cached, values.out);
console.log(`pglite template: ${values.out}`);
