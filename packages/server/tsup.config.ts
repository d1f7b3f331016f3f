import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    cli: "src/cli.ts",
    "model-server/index": "src/model-server/index.ts",
    // Worker threads' modules (threads/host.ts): at the top of dist/, beside the chunks that load them by file.
    "embedded-postgres-thread": "src/db/embedded-postgres-thread.ts",
    "embedded-streams-thread": "src/streams/tier/embedded-streams-thread.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22",
  platform: "node",
});
