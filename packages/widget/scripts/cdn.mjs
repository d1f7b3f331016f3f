// The script-tag build (dist/cdn/) as esbuild options, in one place: tsup.config.ts builds it
// from these, scripts/size.mjs measures exactly this build (esbuild directly, for its metafile)
// and test/csp.test.ts serves it under a strict Content Security Policy.
import { fileURLToPath } from "node:url";
import { compactStyles } from "./compact-styles.mjs";
import { gfmChunk } from "./gfm-chunk.mjs";
import { highlightCoreEsm } from "./highlight-core-esm.mjs";
import { micromarkLean } from "./micromark-lean.mjs";

/** The package directory: the paths below are relative to it. */
export const root = fileURLToPath(new URL("..", import.meta.url));

/** Where tsup writes the script-tag build (apps/demo serves it; the exports map has "./cdn/*"). */
export const cdnOutDir = "dist/cdn";

/**
 * Script-tag build: everything bundled, minified, split into the loader (`open-chat.js`), the
 * full element chunk (loaded on open / inline), the highlight.js chunk (loaded on the first
 * code block) and the GFM chunk (loaded on the first text that may use GFM syntax).
 * `minify: false` gives the "raw" figures of the size report. Output directory and
 * source maps are the caller's: tsup writes linked maps (`sourcemap: true`).
 */
export function cdnOptions({ minify = true } = {}) {
  return {
    entryPoints: { "open-chat": "src/index.ts" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    conditions: ["production"],
    define: { "process.env.NODE_ENV": '"production"' },
    chunkNames: "[name]-[hash]",
    legalComments: "linked",
    plugins: [compactStyles, micromarkLean, highlightCoreEsm, gfmChunk],
  };
}
