/**
 * Syntax highlighting for fenced code blocks, loaded on demand: highlight.js (core plus a set
 * of common languages) is a chunk of its own, fetched the first time a code block names a
 * language we know. Until it arrives the block shows as plain code; then every rendered
 * message re-renders its code blocks (`onHighlighterReady`).
 */
import type { HLJSApi } from "highlight.js";

/** Fence info names we highlight, mapped to highlight.js language names. */
const LANGUAGES: Readonly<Record<string, string>> = {
  js: "javascript", javascript: "javascript", jsx: "javascript", mjs: "javascript", cjs: "javascript",
  ts: "typescript", typescript: "typescript", tsx: "typescript", mts: "typescript",
  json: "json", jsonc: "json",
  sh: "bash", bash: "bash", zsh: "bash", shell: "bash", console: "shell",
  py: "python", python: "python",
  html: "xml", xml: "xml", svg: "xml",
  css: "css",
  sql: "sql",
  yaml: "yaml", yml: "yaml",
  diff: "diff", patch: "diff",
  md: "markdown", markdown: "markdown",
  go: "go", rust: "rust", rs: "rust", java: "java",
  c: "c", h: "c", cpp: "cpp", "c++": "cpp",
};

let engine: HLJSApi | null = null;
let loading: Promise<void> | null = null;
const waiting = new Set<() => void>();

/** The highlight.js name for a fence's info string, if we highlight it. */
export function languageOf(code: Element): string | null {
  const match = /(?:^|\s)language-([\w+#.-]+)/.exec(code.getAttribute("class") ?? "");
  return (match && LANGUAGES[match[1]!.toLowerCase()]) ?? null;
}

/** Starts loading highlight.js (once). */
export function loadHighlighter(): Promise<void> {
  loading ??= import("./languages.js").then(
    (module) => {
      engine = module.hljs;
      for (const listener of [...waiting]) listener();
    },
    () => {
      loading = null; // offline or blocked: code stays plain; retry on the next code block
    },
  );
  return loading;
}

/** Calls `listener` once highlight.js is ready. Returns an unsubscribe function. */
export function onHighlighterReady(listener: () => void): () => void {
  waiting.add(listener);
  return () => waiting.delete(listener);
}

/**
 * Highlights `pre > code.language-*` blocks under `root` in place. Returns false when a block
 * needs highlight.js and it is not loaded yet (loading starts; re-render on ready).
 */
export function highlightCode(root: ParentNode): boolean {
  let complete = true;
  for (const code of Array.from(root.querySelectorAll("pre > code"))) {
    const language = languageOf(code);
    if (!language) continue;
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
