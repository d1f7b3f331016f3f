import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Chromium smoke suite has its own script (`test:browser`, vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, "test/browser/**"],
    // Integration suites each start a real server (Postgres + streams-local); on small machines
    // running them one file at a time keeps timings far from the limits.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
