import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/tanstack.ts"],
  // TanStack DB is an optional peer: never bundled into the tanstack entry.
  external: ["@tanstack/db"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
