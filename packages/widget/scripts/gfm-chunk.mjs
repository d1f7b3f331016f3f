// esbuild plugin of the script-tag build (cdn.mjs): the GFM chunk brings its own copies of the
// small micromark helpers it shares with the view's micromark (micromark-util-*,
// micromark-factory-*, and `blankLine` of micromark-core-commonmark).
//
// Without it, every module both chunks reach — for `blankLine` through micromark-core-commonmark's
// index, that is all of CommonMark's constructs — goes into a chunk of their own, which the full
// element then loads as a separate file with long import/export lists: 0.8 kB gzip more. The
// copies (pure functions and tables, about 3 kB minified) cost the GFM chunk, loaded on demand,
// about 1 kB gzip. They are loaded in the "gfm-copy" namespace, so the size report's duplicate
// check (which keys on the module's path) does not count them: they are intended.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const COPY = "gfm-copy";
const FROM_GFM = /[\\/]micromark-extension-gfm[^\\/]*[\\/]/;
const HELPERS = /^(micromark-util-|micromark-factory-|decode-named-character-reference$)/;

export const gfmChunk = {
  name: "gfm-chunk",
  setup(build) {
    const copy = async (args, path) => {
      const resolved = await build.resolve(path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { gfmChunk: "resolving" } });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, namespace: COPY };
    };
    const inGfm = (args) => args.pluginData?.gfmChunk !== "resolving" && (args.namespace === COPY || FROM_GFM.test(args.importer));

    build.onResolve({ filter: HELPERS }, (args) => (inGfm(args) ? copy(args, args.path) : undefined));
    // The footnote syntax takes `blankLine` from the package's index: its own file instead.
    build.onResolve({ filter: /^micromark-core-commonmark$/ }, async (args) => {
      if (!inGfm(args)) return undefined;
      const index = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { gfmChunk: "resolving" } });
      if (index.errors.length > 0) return { errors: index.errors };
      return { path: join(dirname(index.path), "lib", "blank-line.js"), namespace: COPY };
    });
    build.onResolve({ filter: /^\.\.?\//, namespace: COPY }, (args) => copy(args, args.path));
    build.onLoad({ filter: /.*/, namespace: COPY }, async (args) => ({ contents: await readFile(args.path, "utf8"), loader: "js", resolveDir: dirname(args.path) }));
  },
};
