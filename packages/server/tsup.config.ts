import { defineConfig } from "tsup";

/**
 * Packages the CLI build leaves to node_modules: what loads files by path at run time
 * (PGlite's WebAssembly, Prisma's generated client and engines, streams-local and Bun) and the
 * big ones our start never loads (Stripe, only with billing) or loads lazily itself (pg, undici).
 */
// Everything else but Node's own modules is bundled (a negative lookahead: tsup lets `noExternal` win over `external`).
const BUNDLED = /^(?!node:|@electric-sql\/|@prisma\/|bun$|pg$|pg\/|stripe$|undici$)/;

export default defineConfig([
  {
    // The library: what `@open-chat/server` exports. Its dependencies stay dependencies, so an
    // application that imports it shares them (one hono, one Better Auth).
    entry: { index: "src/index.ts", "model-server/index": "src/model-server/index.ts" },
    format: ["esm"],
    dts: true,
    sourcemap: true,
    target: "node22",
    platform: "node",
  },
  {
    // The `open-chat` command and the worker threads it starts, with their pure-JS dependencies
    // bundled: Node resolves and loads one chunk graph instead of ~900 files of node_modules
    // (importing the server's modules: 0.93 s → 0.56–0.75 s on the 2-core EPYC).
    entry: {
      cli: "src/cli.ts",
      // Worker threads' modules (threads/host.ts): at the top of dist/, beside the chunks that load them by file.
      "embedded-postgres-thread": "src/db/embedded-postgres-thread.ts",
      "embedded-streams-thread": "src/streams/tier/embedded-streams-thread.ts",
    },
    format: ["esm"],
    sourcemap: true,
    target: "node22",
    platform: "node",
    noExternal: [BUNDLED],
    // Bundled CommonJS (proxy-addr, ipaddr.js, …) still calls require().
    banner: { js: 'import { createRequire as __openChatCreateRequire } from "node:module"; const require = __openChatCreateRequire(import.meta.url);' },
  },
]);
