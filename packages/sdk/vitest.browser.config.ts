import { defineConfig } from "vitest/config";

/** The browser smoke suite (real Chromium through playwright-core): `pnpm test:browser`. */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
