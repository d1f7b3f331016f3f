/**
 * Syntax highlighting for fenced code blocks, loaded on demand: highlight.js (core plus a set
 * of common languages) is a chunk of its own, fetched the first time a code block names a
 * language we know. Until it arrives the block shows as plain code; then every rendered
 * message re-renders its code blocks (`onHighlighterReady`).
 */
import type { HLJSApi } from "highlight.js";
import { LazyChunk } from "./lazy.js";

/**
 * A code block's `language-*` class naming a language we highlight: the languages of
 * languages.ts and their highlight.js aliases (highlight.js resolves an alias and the case
 * itself, e.g. `ts` → typescript, `C++` → cpp).
 */
const LANGUAGE = /(?:^|\s)language-([jt]sx?|[mc][jt]s|javascript|typescript|jsonc?|sh|bash|zsh|shell|console|py|python|html|xml|svg|css|sql|ya?ml|diff|patch|md|markdown|go|rust|rs|java|c|h|cpp|c\+\+)(?=\s|$)/i;

const chunk = new LazyChunk<{ hljs: HLJSApi; css: string }>(() => import("./languages.js"));

/** The language a fence's info string names (a highlight.js name or alias), if we highlight it. */
export function languageOf(code: Element): string | null {
  return LANGUAGE.exec(code.className)?.[1] ?? null;
}

/** Starts loading highlight.js (once; again after a failed load). */
export const loadHighlighter = (): Promise<void> => chunk.load();

/** The token colours' CSS once highlight.js is loaded (it comes with the chunk), else null. */
export const highlightCss = (): string | null => chunk.get()?.css ?? null;

/** Calls `listener` once highlight.js is ready. Returns an unsubscribe function. */
export const onHighlighterReady = (listener: () => void): (() => void) => chunk.onReady(listener);

/**
 * Highlights `pre > code.language-*` blocks under `root` in place. Returns false when a block
 * needs highlight.js and it is not loaded yet (loading starts; re-render on ready).
 */
export function highlightCode(root: ParentNode): boolean {
  let complete = true;
  for (const code of Array.from(root.querySelectorAll("pre > code"))) {
    const language = languageOf(code);
    if (!language) continue;
    const engine = chunk.get()?.hljs;
    if (!engine) {
      complete = false;
      void loadHighlighter();
      continue;
    }
    const { value } = engine.highlight(code.textContent ?? "", { language, ignoreIllegals: true });
    code.innerHTML = value; // highlight.js escapes the text; the sanitizer walks it afterwards
    code.classList.add("hljs");
  }
  return complete;
}
