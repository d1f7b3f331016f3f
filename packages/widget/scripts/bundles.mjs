// esbuild settings shared by the build and the size report.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** CSS text without comments and insignificant whitespace (keeps spaces that matter, e.g. in calc()). */
export function compactCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{};,>])\s*/g, "$1")
    .replace(/([\w-]): /g, "$1:")
    .replace(/;}/g, "}")
    .trim();
}

/**
 * esbuild minifies JavaScript but not the CSS inside strings: compact the CSS templates of the
 * `*styles.ts` modules (Lit's css`…` and the shell's CSS strings) as they load.
 */
export const compactStyles = {
  name: "compact-styles",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*styles\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const contents = source.replace(/(css`|(?:LIGHT|DARK|shellCss) = `)([^`]*)`/g, (_, open, body) => `${open}${compactCss(body)}\``);
      return { contents, loader: "ts" };
    });
  },
};

/** npm build: ESM, dependencies stay imports (the app's bundler dedupes them), view as a lazy chunk. */
export function npmOptions() {
  const deps = Object.keys(pkg.dependencies ?? {});
  return {
    absWorkingDir: root,
    entryPoints: { index: "src/index.ts", view: "src/view.ts" },
    outdir: "dist",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    chunkNames: "chunks/[name]-[hash]",
    external: deps.flatMap((name) => [name, `${name}/*`]),
    plugins: [compactStyles],
    logLevel: "warning",
  };
}

/**
 * Script-tag build: everything bundled, minified, split into the loader (`open-chat.js`), the
 * full element chunk (loaded on open / inline) and the highlight.js chunk (loaded on the first
 * code block). `minify: false` gives the "raw" figures of the size report.
 */
export function cdnOptions({ minify = true, outdir = "dist/cdn" } = {}) {
  return {
    absWorkingDir: root,
    entryPoints: { "open-chat": "src/index.ts" },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    sourcemap: minify ? "linked" : false,
    conditions: ["production"],
    define: { "process.env.NODE_ENV": '"production"' },
    chunkNames: "[name]-[hash]",
    legalComments: "linked",
    metafile: true,
    plugins: [compactStyles],
    logLevel: "warning",
  };
}
