/**
 * Markdown to safe DOM: micromark (CommonMark; GFM — tables, task lists, strikethrough,
 * autolinks, footnotes — from a chunk loaded the first time a text may use it) with raw HTML as
 * plain text and its default of dropping dangerous link protocols, then highlight.js for
 * code blocks, then the allowlist walk in `sanitize.ts`. Tables scroll sideways in a focusable
 * region; footnote links scroll within the message (footnotes.ts).
 *
 * @example
 * await loadGfm(); // optional: else a table renders as text first, `complete: false`
 * const { fragment } = renderMarkdown("| a |\n|---|\n| 1 |\n\n[docs](https://example.com)");
 * container.replaceChildren(fragment);
 */
import { micromark, type Options } from "micromark";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../common/strings.js";
import { splitBlocks } from "./blocks.js";
import { addCodeBars } from "./code-blocks.js";
import { gfmChunk, loadGfm, mayNeedGfm } from "./gfm-loader.js";
import { highlightCode, highlightCss } from "./highlight.js";
import { sanitize, type SanitizeOptions } from "./sanitize.js";

export { gfmChunk, loadGfm, onGfmReady } from "./gfm-loader.js";

/** The CSS of the chunks loaded so far (GFM's tables and footnotes, highlight.js's tokens): a shadow root that shows rendered markdown adopts it. */
export function chunkStyles(): string[] {
  return [gfmChunk()?.css, highlightCss()].filter((css): css is string => !!css);
}

/**
 * Raw HTML is text: its constructs are off, so `<b>x</b>` reads as typed (escaped like any text)
 * and a line that starts with a tag is an ordinary paragraph whose markdown renders — never an
 * HTML block that swallows the lines after it, across blank lines too (which would also break
 * the block-by-block rendering of blocks.ts). The script-tag build leaves their code out
 * (scripts/micromark-lean.mjs).
 */
const RAW_HTML_AS_TEXT = { disable: { null: ["htmlFlow", "htmlText"] } };
const COMMONMARK: Options = { extensions: [RAW_HTML_AS_TEXT] };

export interface RenderOptions extends SanitizeOptions {
  /** Labels of tables, footnotes and code bars. Default: the English strings. */
  strings?: Pick<OpenChatStrings, "table" | "footnote" | "footnoteBack" | "footnotes" | "copyCode">;
}

/** micromark's HTML for `text` (raw HTML escaped, unsafe URLs removed; GFM once loaded). Not yet sanitized. */
export function markdownToHtml(text: string): string {
  const gfm = gfmChunk()?.options;
  return micromark(text, gfm ? { ...gfm, extensions: [...(gfm.extensions ?? []), RAW_HTML_AS_TEXT] } : COMMONMARK);
}

export interface RenderedMarkdown {
  fragment: DocumentFragment;
  /** False when a code block waits for highlight.js (render again once it is ready). */
  highlighted: boolean;
  /** False when a chunk it needs (highlight.js, GFM) is still loading: render again on ready. */
  complete: boolean;
}

/** Renders markdown into a sanitized fragment, parsed in an inert `<template>`. */
export function renderMarkdown(text: string, options: RenderOptions = {}): RenderedMarkdown {
  const gfm = gfmChunk();
  const waitsForGfm = !gfm && mayNeedGfm(text);
  if (waitsForGfm) void loadGfm();
  const template = document.createElement("template");
  template.innerHTML = markdownToHtml(text);
  const root = template.content;
  gfm?.markFootnotes(root);
  const highlighted = highlightCode(root);
  sanitize(root, options);
  if (gfm) {
    const strings = options.strings ?? DEFAULT_STRINGS;
    gfm.wrapTables(root, strings.table);
    gfm.labelFootnotes(root, strings);
  }
  return { fragment: root, highlighted, complete: highlighted && !waitsForGfm };
}

type Block = { element: HTMLElement; complete: boolean };

/**
 * Renders a message block by block and keeps each block's element while its text is unchanged,
 * so re-rendering a growing message replaces only the block that grew. Code blocks get a bar
 * with their language and a Copy button.
 */
export class MarkdownBlocks {
  private cache = new Map<string, Block>();
  private options: RenderOptions = {};

  /** Changing the options drops the cache (images policy, labels). */
  configure(options: RenderOptions): void {
    if (options.allowImages === this.options.allowImages && options.imageLabel === this.options.imageLabel && options.strings === this.options.strings) return;
    this.options = { ...options };
    this.cache.clear();
  }

  /** Drops blocks rendered while a chunk they need was loading (call when it is ready). */
  dropIncomplete(): void {
    for (const [key, entry] of this.cache) if (!entry.complete) this.cache.delete(key);
  }

  /** One element per block, reusing unchanged blocks. */
  render(text: string): HTMLElement[] {
    const next = new Map<string, Block>();
    const elements = splitBlocks(text).map((block, index) => {
      const key = `${index}\u0000${block}`;
      let entry = this.cache.get(key);
      if (!entry) {
        const { fragment, complete } = renderMarkdown(block, this.options);
        addCodeBars(fragment, (this.options.strings ?? DEFAULT_STRINGS).copyCode);
        const element = document.createElement("div");
        element.className = "md-block";
        element.append(fragment);
        entry = { element, complete };
      }
      next.set(key, entry);
      return entry.element;
    });
    this.cache = next;
    return elements;
  }
}
