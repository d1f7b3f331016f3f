// esbuild plugin of the script-tag build (cdn.mjs): highlight.js's core as the ES module it
// nearly is. highlight.js 11 ships its core only as CommonJS (es/core.js re-exports lib/core.js),
// and one CommonJS module makes esbuild add its interop helpers to the runtime chunk every file
// of the bundle imports — 0.3 kB gzip more in the full element for a chunk loaded on demand.
// lib/core.js requires nothing and ends in `module.exports = highlight;`: that line becomes
// `export default highlight;` (the build fails if it is not there, e.g. after an upgrade).
import { readFile } from "node:fs/promises";

const CORE = /[\\/]highlight\.js[\\/]lib[\\/]core\.js$/;
const EXPORT = "module.exports = highlight;";

export const highlightCoreEsm = {
  name: "highlight-core-esm",
  setup(build) {
    build.onLoad({ filter: CORE }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (source.split(EXPORT).length !== 2 || /\brequire\(/.test(source)) throw new Error(`highlight-core-esm: ${args.path} is no longer a require-free module ending in "${EXPORT}"`);
      return { contents: source.replace(EXPORT, "export default highlight;"), loader: "js" };
    });
  },
};
