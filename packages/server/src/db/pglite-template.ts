/**
 * The pre-initialised PGlite data folder the build ships (`dist/pglite-template/`, made by
 * scripts/pglite-template.ts: initdb, every migration of that build, initdb's template0 and
 * template1 dropped, a clean shutdown). A fresh embedded database starts as a copy of it instead
 * of running initdb — a file copy (~0.04–0.1 s) plus an ordinary open, against 2–5 s of initdb —
 * and the start-up migration step then applies only migrations newer than the template.
 *
 * It holds the schema and the migration bookkeeping only (no secrets, no users). A plain folder
 * rather than PGlite's `dumpDataDir` tarball: loading the tarball writes the same files through
 * PGlite's virtual file system and took 0.7–1.5 s, a kernel file copy 0.1 s (0.04 s for the
 * 25 MB and ~460 files left without the template databases). Without it (running from the
 * sources before a build) a fresh folder is initialised the slow way.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PGLITE_TEMPLATE_DIR = "pglite-template";

/** The shipped template: beside this module (the built `dist/`, or a copy of it), else in the package's `dist/`. */
export function findPgliteTemplate(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, PGLITE_TEMPLATE_DIR)];
  for (let dir = here; ; ) {
    if (existsSync(join(dir, "package.json"))) {
      candidates.push(join(dir, "dist", PGLITE_TEMPLATE_DIR));
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return candidates.find((path) => existsSync(join(path, "PG_VERSION")));
}
