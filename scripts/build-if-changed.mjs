#!/usr/bin/env node
// Builds the workspace's packages whose inputs changed since their last build, in dependency
// order, and skips the rest: restarting the demo on an unchanged checkout costs no build.
// A package's inputs are its files that git would track (test/ and bench/ and docs aside) and
// the build stamps of the workspace packages it depends on, so a change rebuilds its dependents
// too. The stamp (a SHA-256 of the inputs) is written to dist/.build-stamp after a build succeeds.
// Outside a git checkout nothing can be compared, so everything is built.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const STAMP = join("dist", ".build-stamp");
const SKIPPED_DIRS = ["test/", "bench/"];

/** Workspace packages with a build script: { name, dir, deps (workspace names) }. */
export function workspacePackages(root) {
  const found = [];
  for (const group of ["packages", "apps"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const dir = join(base, entry);
      const manifest = join(dir, "package.json");
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, "utf8"));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => name.startsWith("@open-chat/"));
      found.push({ name: pkg.name, dir, deps, builds: Boolean(pkg.scripts?.build) });
    }
  }
  return found;
}

/** Packages ordered so that every package comes after the workspace packages it depends on. */
export function buildOrder(packages) {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const ordered = [];
  const seen = new Set();
  const visit = (pkg) => {
    if (seen.has(pkg.name)) return;
    seen.add(pkg.name);
    for (const dep of pkg.deps) if (byName.has(dep)) visit(byName.get(dep));
    ordered.push(pkg);
  };
  for (const pkg of [...packages].sort((a, b) => a.name.localeCompare(b.name))) visit(pkg);
  return ordered;
}

/** SHA-256 of the package's source files and its dependencies' stamps; null outside git. */
export function inputsHash(root, pkg, depStamps) {
  let files;
  try {
    files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "--", relative(root, pkg.dir) || "."], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean);
  } catch {
    return null;
  }
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    const inside = relative(pkg.dir, join(root, file));
    if (SKIPPED_DIRS.some((dir) => inside.startsWith(dir)) || inside.endsWith(".md") || !existsSync(join(root, file))) continue;
    hash.update(`${inside}\0`).update(readFileSync(join(root, file))).update("\0");
  }
  for (const dep of pkg.deps) hash.update(`${dep}=${depStamps.get(dep) ?? ""}\0`);
  return hash.digest("hex");
}

const readStamp = (pkg) => {
  try {
    return readFileSync(join(pkg.dir, STAMP), "utf8").trim();
  } catch {
    return null;
  }
};

/**
 * Builds what changed. `build(pkg)` runs one package's build (throws on failure); `log` reports.
 * Returns the names built. A package without a build script only passes its deps' stamps on.
 */
export function buildIfChanged(root, { build, log = () => {} }) {
  const stamps = new Map();
  const built = [];
  for (const pkg of buildOrder(workspacePackages(root))) {
    const hash = inputsHash(root, pkg, stamps);
    stamps.set(pkg.name, hash ?? `unknown-${Date.now()}`);
    if (!pkg.builds) continue;
    if (hash !== null && readStamp(pkg) === hash) {
      log(`${pkg.name}: up to date`);
      continue;
    }
    build(pkg);
    built.push(pkg.name);
    if (hash !== null) writeFileSync(join(pkg.dir, STAMP), `${hash}\n`);
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
  const built = buildIfChanged(root, {
    build: (pkg) => execFileSync("pnpm", ["--filter", pkg.name, "build"], { cwd: root, stdio: "inherit" }),
    log: (line) => console.log(`build: ${line}`),
  });
  console.log(built.length ? `build: built ${built.join(", ")}` : "build: everything up to date");
}
