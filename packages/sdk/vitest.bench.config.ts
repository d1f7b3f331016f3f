import { defineConfig } from "vitest/config";

/** `pnpm bench`: the tail benchmark against a real embedded server (prints a table). */
export default defineConfig({
  test: {
    include: ["bench/**/*.bench.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: "forks",
    execArgv: ["--expose-gc"],
  },
});
