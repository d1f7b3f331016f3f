import { defineConfig } from "tsup";
import { cdnOptions, cdnOutDir } from "./scripts/cdn.mjs";
import { compactStyles } from "./scripts/compact-styles.mjs";

// The script-tag build's esbuild options, shared with scripts/size.mjs and test/csp.test.ts.
const cdn = cdnOptions();

export default defineConfig([
  {
    // npm build: ESM, dependencies stay imports (tsup leaves everything in `dependencies`
    // external; the app's bundler dedupes them), the view as a lazy chunk under dist/chunks/.
    name: "npm",
    entry: { index: "src/index.ts", view: "src/view/index.ts" },
    outDir: "dist",
    format: ["esm"],
    platform: "browser",
    target: "es2022",
    splitting: true,
    sourcemap: true,
    // Bundled declarations (dist/index.d.ts, dist/view.d.ts) from the sources, without Node's
    // types: the element is browser code (tsconfig.json adds them for tests and configs).
    dts: { compilerOptions: { types: [] } },
    // Both builds run in parallel: leave dist/cdn/ to the cdn build.
    clean: ["!cdn/**"],
    // A `node:` import is an error in browser code, not an external (tsup's default).
    removeNodeProtocol: false,
    esbuildPlugins: [compactStyles],
    esbuildOptions(options) {
      options.chunkNames = "chunks/[name]-[hash]";
    },
  },
  {
    // Script-tag build (dist/cdn/): the loader open-chat.js and its lazy chunks, self-contained.
    name: "cdn",
    entry: cdn.entryPoints,
    outDir: cdnOutDir,
    format: [cdn.format],
    platform: cdn.platform,
    target: cdn.target,
    splitting: cdn.splitting,
    minify: cdn.minify,
    define: cdn.define,
    // tsup writes the maps itself and links them with a sourceMappingURL comment (= "linked").
    sourcemap: true,
    noExternal: [/.*/],
    clean: true,
    removeNodeProtocol: false,
    esbuildPlugins: cdn.plugins,
    esbuildOptions(options) {
      // esbuild options tsup has no option for.
      options.chunkNames = cdn.chunkNames;
      options.conditions = cdn.conditions;
      options.legalComments = cdn.legalComments;
      // tsup names tsconfig.json explicitly, which makes esbuild apply it to node_modules too
      // (its "strict" keeps highlight.js's "use strict"): let esbuild find it per file instead,
      // like scripts/size.mjs and test/csp.test.ts do.
      delete options.tsconfig;
    },
  },
]);
