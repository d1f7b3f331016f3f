/**
 * The pre-initialised PGlite data folder the build ships (`dist/pglite-template.tar.gz`, made by
 * scripts/pglite-template.ts with every migration of that build applied). A fresh embedded
 * database loads it instead of running initdb — about 0.7 s instead of 5 s — and the start-up
 * migration step then applies only migrations newer than the template.
 *
 * The file is PGlite's own `dumpDataDir("gzip")` format, loaded through `loadDataDir`; it holds
 * the schema and migration bookkeeping only (no secrets, no users). Without it (running from the
 * sources before a build) a fresh folder is initialised the slow way.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PGLITE_TEMPLATE_FILE = "pglite-template.tar.gz";

/** The shipped template: beside this module (the built `dist/`, or a copy of it), else in the package's `dist/`. */
export function findPgliteTemplate(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, PGLITE_TEMPLATE_FILE)];
  for (let dir = here; ; ) {
    if (existsSync(join(dir, "package.json"))) {
      candidates.push(join(dir, "dist", PGLITE_TEMPLATE_FILE));
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return candidates.find((path) => existsSync(path));
}
