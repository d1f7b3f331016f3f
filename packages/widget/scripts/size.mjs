// Size report of the script-tag bundle: raw (unminified), min and gzip of what a page loads
// (1) before the launcher opens — the loader and its static imports — and (2) once the full
// element is loaded, plus the chunks loaded on demand (highlight.js on the first code block, the
// GFM syntax on the first text that may use it (tables, footnotes, …), the SDK's identify()/reset()
// on first use, the credits UI when the server bills the user, the chat list on its first open,
// the version actions when the transcript first shows a message). Fails when over budget, and
// reports any module (Lit in particular) that ends up in more than one file (the GFM chunk's own
// copies of micromark helpers are intended and not counted: scripts/gfm-chunk.mjs).
//
// It measures the build tsup.config.ts makes (dist/cdn/): the same esbuild options
// (scripts/cdn.mjs), built in memory here for esbuild's metafile, and compares the result with
// dist/cdn/ when a build is there.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { cdnOptions, cdnOutDir, root } from "./cdn.mjs";

const KB = 1000;
const BUDGET = { loader: 6 * KB, full: 60 * KB };
const outDir = join(root, cdnOutDir);
const local = (path) => path.slice(`${cdnOutDir}/`.length);

/**
 * The script-tag build, in memory. Minified, it is byte for byte what tsup writes: tsup asks
 * esbuild for external source maps (the maps feed the chunk hashes, hence the same output
 * directory) and appends the sourceMappingURL comment itself. `minify: false` is the "raw" figure.
 */
async function bundle(minify) {
  const result = await build({ ...cdnOptions({ minify }), absWorkingDir: root, outdir: cdnOutDir, sourcemap: minify ? "external" : false, metafile: true, write: false, logLevel: "warning" });
  const files = new Map();
  for (const file of result.outputFiles) {
    if (!file.path.endsWith(".js")) continue;
    const name = relative(outDir, file.path);
    const comment = minify ? Buffer.from(`//# sourceMappingURL=${basename(name)}.map`) : Buffer.alloc(0);
    files.set(name, Buffer.concat([file.contents, comment]));
  }
  const meta = new Map(Object.entries(result.metafile.outputs).map(([path, output]) => [local(path), output]));
  return { files, meta };
}

/** The file and everything it imports statically, transitively. */
function closure(meta, start) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const imported of meta.get(name)?.imports ?? []) if (imported.kind === "import-statement") visit(local(imported.path));
  };
  visit(start);
  return seen;
}

function dynamicImports(meta, names) {
  const found = new Set();
  for (const name of names) for (const imported of meta.get(name)?.imports ?? []) if (imported.kind === "dynamic-import") found.add(local(imported.path));
  return [...found];
}

/**
 * Groups: loader, full element (what opening adds), on demand (highlight.js, identify/reset,
 * credits), and the locale chunks (common/locale.ts and the strings tables of src/locales/), which
 * the loader imports for a locale other than plain `en`.
 */
function groups(meta) {
  const loader = closure(meta, "open-chat.js");
  const lazy = dynamicImports(meta, loader);
  const isLocale = (name) => /^src\/(locales\/|common\/locale\.ts$)/.test(meta.get(name)?.entryPoint ?? "");
  const [view, ...others] = lazy.filter((name) => !isLocale(name));
  if (!view || others.length > 0) throw new Error(`expected one lazy view chunk, found ${[view, ...others].join(", ")}`);
  const full = new Set([...loader, ...closure(meta, view)]);
  const locales = new Set();
  const localeChunks = lazy.filter(isLocale);
  for (const chunk of [...localeChunks, ...dynamicImports(meta, localeChunks)]) for (const name of closure(meta, chunk)) if (!full.has(name)) locales.add(name);
  const onDemand = new Set();
  for (const chunk of dynamicImports(meta, full)) for (const name of closure(meta, chunk)) if (!full.has(name) && !locales.has(name)) onDemand.add(name);
  return { loader, full, onDemand, locales };
}

function measure(files, names) {
  let raw = 0;
  let gzip = 0;
  for (const name of names) {
    const contents = files.get(name);
    raw += contents.byteLength;
    gzip += gzipSync(contents, { level: 9 }).byteLength;
  }
  return { bytes: raw, gzip };
}

const min = await bundle(true);
const raw = await bundle(false);
const minGroups = groups(min.meta);
const rawGroups = groups(raw.meta);

const rows = [
  ["loader (before the launcher opens)", "loader", BUDGET.loader],
  ["full element (loader + view chunk)", "full", BUDGET.full],
  ["on demand (markdown extras, UI parts)", "onDemand", undefined],
  ["locales (all tables; a page loads one)", "locales", undefined],
].map(([label, key, budget]) => {
  const m = measure(min.files, minGroups[key]);
  const r = measure(raw.files, rawGroups[key]);
  return { label, files: [...minGroups[key]].join(" + "), raw: r.bytes, min: m.bytes, gzip: m.gzip, budget };
});

const kb = (n) => `${(n / KB).toFixed(1)} kB`;
console.log(`open-chat script-tag bundle (${cdnOutDir}/: tsup, esbuild, ESM; 1 kB = 1000 bytes)\n`);
console.log(`${"".padEnd(40)}${"raw".padStart(10)}${"min".padStart(10)}${"gzip".padStart(10)}  budget (gzip)`);
let failed = false;
for (const row of rows) {
  const over = row.budget !== undefined && row.gzip > row.budget;
  failed ||= over;
  const budget = row.budget === undefined ? "on demand" : `${kb(row.budget)} ${over ? "OVER" : "ok"}`;
  console.log(`${row.label.padEnd(40)}${kb(row.raw).padStart(10)}${kb(row.min).padStart(10)}${kb(row.gzip).padStart(10)}  ${budget}`);
  console.log(`  files: ${row.files}`);
}

// Which packages make up the full element (minified bytes before gzip, by package).
const byPackage = new Map();
for (const name of minGroups.full) {
  for (const [input, { bytesInOutput }] of Object.entries(min.meta.get(name).inputs)) {
    const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match ? match[1] : /(^|\/)sdk\/(dist|src)\//.test(input) ? "@open-chat/sdk" : /(^|\/)shared\/(dist|src)\//.test(input) ? "@open-chat/shared" : "@open-chat/widget";
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
}
console.log("\nfull element by package (minified, before gzip):");
const packages = [...byPackage].sort((a, b) => b[1] - a[1]);
for (const [name, bytes] of packages.slice(0, 10)) console.log(`  ${name.padEnd(34)}${kb(bytes).padStart(9)}`);
const rest = packages.slice(10);
console.log(`  ${`${rest.length} smaller packages`.padEnd(34)}${kb(rest.reduce((sum, [, bytes]) => sum + bytes, 0)).padStart(9)}`);

// Duplication: a module present in more than one output file.
const owners = new Map();
for (const [name, output] of min.meta) for (const input of Object.keys(output.inputs)) owners.set(input, [...(owners.get(input) ?? []), name]);
const duplicated = [...owners].filter(([, names]) => names.length > 1);
const litInputs = [...owners.keys()].filter((input) => /(^|\/)(lit|lit-html|lit-element|@lit)\//.test(input));
const litFiles = new Set(litInputs.flatMap((input) => owners.get(input)));
console.log(`\nLit: ${litInputs.length} modules, in ${[...litFiles].join(", ")} only (not in the loader: ${[...litFiles].every((f) => !minGroups.loader.has(f))}).`);
console.log(duplicated.length === 0 ? "No module is duplicated across files." : `DUPLICATED modules:\n${duplicated.map(([i, n]) => `  ${i}: ${n.join(", ")}`).join("\n")}`);
failed ||= duplicated.length > 0;

// The files measured here against the tsup build in dist/cdn/ (when built).
if (existsSync(outDir)) {
  const built = readdirSync(outDir).filter((name) => name.endsWith(".js"));
  const same = built.length === min.files.size && built.every((name) => min.files.get(name)?.equals(readFileSync(join(outDir, name))));
  console.log(
    same
      ? `\n${cdnOutDir}/ (tsup build): the same ${built.length} files, byte for byte.`
      : `\nWARNING: ${cdnOutDir}/ differs from the files measured here: run \`pnpm build\` (stale build), or make tsup.config.ts use scripts/cdn.mjs's options again.`,
  );
}

if (failed) {
  console.error("\nsize check FAILED");
  process.exit(1);
}
console.log("\nsize check passed");
