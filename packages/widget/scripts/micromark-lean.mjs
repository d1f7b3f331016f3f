// esbuild plugin of the script-tag build (cdn.mjs): micromark without code the widget never runs.
// Without it (the npm build, the tests from source) everything behaves the same; only bytes differ.
//
// 1. The raw-HTML constructs as inert stubs. The widget turns them off (`disable: { null:
//    ["htmlFlow", "htmlText"] }`, src/markdown/render.ts: raw HTML is text) and micromark skips a
//    disabled construct by its name before calling it (create-tokenizer.js), but its constructs
//    table imports them all: 1.5 kB gzip of the full element.
// 2. The constructs table as a plain object. lib/parse.js takes it as a namespace import
//    (`import * as defaultConstructs`), the one namespace object of the bundle: for it esbuild adds
//    a runtime helper, as a chunk of its own that every file imports — 0.2 kB gzip. The object
//    has the same own properties (the module's exports, read from the file at build time), which
//    is all combineExtensions reads.
// Both fail the build when micromark's files no longer look as expected (e.g. after an upgrade).
import { readFile } from "node:fs/promises";

const HTML = /[\\/]micromark-core-commonmark[\\/]lib[\\/]html-(flow|text)\.js$/;
const PARSE = /[\\/]micromark[\\/]lib[\\/]parse\.js$/;
const NAMESPACE = "import * as defaultConstructs from './constructs.js';";

export const micromarkLean = {
  name: "micromark-lean",
  setup(build) {
    build.onLoad({ filter: HTML }, (args) => {
      const name = HTML.exec(args.path)[1] === "flow" ? "htmlFlow" : "htmlText";
      return { contents: `export const ${name} = { name: "${name}", tokenize() { throw new Error("open-chat: ${name} is disabled"); } };`, loader: "js" };
    });
    build.onLoad({ filter: PARSE }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const constructs = await readFile(new URL("constructs.js", `file://${args.path}`), "utf8");
      const names = [...constructs.matchAll(/^export const (\w+) =/gm)].map((match) => match[1]);
      const exports = constructs.match(/^export\b/gm)?.length ?? 0;
      if (source.split(NAMESPACE).length !== 2 || names.length === 0 || names.length !== exports) {
        throw new Error(`micromark-lean: ${args.path} no longer imports its constructs table as "${NAMESPACE}" of \`export const\`s only`);
      }
      const imports = `import { ${names.map((name) => `${name} as construct_${name}`).join(", ")} } from './constructs.js';`;
      const object = `const defaultConstructs = { ${names.map((name) => `${name}: construct_${name}`).join(", ")} };`;
      return { contents: source.replace(NAMESPACE, `${imports}\n${object}`), loader: "js" };
    });
  },
};
