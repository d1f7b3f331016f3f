// esbuild plugin shared by both builds of tsup.config.ts (and so by scripts/size.mjs, which
// measures the script-tag build with the same options, see cdn.mjs).
import { readFile } from "node:fs/promises";

/** CSS text without comments and insignificant whitespace (keeps spaces that matter, e.g. in calc()). */
export function compactCss(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{};,>])\s*/g, "$1")
    .replace(/([\w-]): /g, "$1:")
    .replace(/;}/g, "}")
    .trim();
}

/**
 * esbuild minifies JavaScript but not the CSS inside strings: compact the CSS templates of the
 * `*styles.ts` modules (Lit's css`…`, the shell's and the lazy parts' CSS strings) as they load.
 */
export const compactStyles = {
  name: "compact-styles",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*styles\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const contents = source.replace(/(css`|(?:LIGHT|DARK|\w+Css) = `)([^`]*)`/g, (_, open, body) => `${open}${compactCss(body)}\``);
      return { contents, loader: "ts" };
    });
  },
};
