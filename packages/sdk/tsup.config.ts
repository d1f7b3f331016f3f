import { defineConfig } from "tsup";

export default defineConfig({
  // `storage` is its own entry so that a page's small loader (the widget's) can clear stored state
  // without bundling the client.
  entry: ["src/index.ts", "src/tanstack.ts", "src/storage.ts"],
  // TanStack DB is an optional peer: never bundled into the tanstack entry.
  external: ["@tanstack/db"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
