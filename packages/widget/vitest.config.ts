import { defineConfig } from "vitest/config";

// Node-side suites (test/*.test.ts): the strict-CSP page driven by playwright-core. The
// component suites run in Chromium under Web Test Runner (web-test-runner.config.mjs).
export default defineConfig({
  test: {
    include: ["test/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
