import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The demo's Node entry: API server + demo site.
    entry: { main: "src/main.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: true,
    target: "node22",
    platform: "node",
  },
  {
    // The custom frontend's browser bundle, served as /assets/custom.js.
    entry: { custom: "src/site/custom.ts" },
    outDir: "dist/site",
    format: ["esm"],
    sourcemap: true,
    minify: true,
    target: "es2022",
    platform: "browser",
    noExternal: [/.*/],
  },
]);
