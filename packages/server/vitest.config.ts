import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// @open-chat/testing starts servers through this package's public entry points; in this
// package's own tests those resolve to the sources under test, not to a possibly stale dist/.
const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@open-chat\/server$/, replacement: src("index.ts") },
      { find: /^@open-chat\/server\/model-server$/, replacement: src("model-server/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
  },
});
