/**
 * Markdown to safe DOM: micromark (CommonMark + GFM: tables, task lists, strikethrough,
 * autolinks, footnotes) with its defaults — raw HTML is escaped, dangerous link protocols are
 * dropped — then highlight.js for code blocks, then the allowlist walk in `sanitize.ts`.
 *
 * @example
 * const fragment = renderMarkdown("# Hi\n\n[docs](https://example.com)");
 * container.replaceChildren(fragment);
 */
import { micromark, type Options } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";
import { splitBlocks } from "./blocks.js";
import { highlightCode } from "./highlight.js";
import { sanitize, type SanitizeOptions } from "./sanitize.js";

const OPTIONS: Options = { extensions: [gfm()], htmlExtensions: [gfmHtml()] };

/** micromark's HTML for `text` (raw HTML escaped, unsafe URLs removed). Not yet sanitized. */
export function markdownToHtml(text: string): string {
  return micromark(text, OPTIONS);
}

export interface RenderedMarkdown {
  fragment: DocumentFragment;
  /** False when a code block waits for highlight.js (render again once it is ready). */
  highlighted: boolean;
}

/** Renders markdown into a sanitized fragment, parsed in an inert `<template>`. */
export function renderMarkdown(text: string, options: SanitizeOptions = {}): RenderedMarkdown {
  const template = document.createElement("template");
  template.innerHTML = markdownToHtml(text);
  const highlighted = highlightCode(template.content);
  sanitize(template.content, options);
  return { fragment: template.content, highlighted };
}

/**
 * Renders a message block by block and keeps each block's element while its text is unchanged,
 * so re-rendering a growing message replaces only the block that grew.
 */
export class MarkdownBlocks {
  private cache = new Map<string, { element: HTMLElement; highlighted: boolean }>();
  private options: SanitizeOptions = {};

  /** Changing the options drops the cache (images policy, labels). */
  configure(options: SanitizeOptions): void {
    if (options.allowImages === this.options.allowImages && options.imageLabel === this.options.imageLabel) return;
    this.options = { ...options };
    this.cache.clear();
  }

  /** Drops blocks rendered before highlight.js was ready. */
  rehighlight(): void {
    for (const [key, entry] of this.cache) if (!entry.highlighted) this.cache.delete(key);
  }

  /** One element per block, reusing unchanged blocks. */
  render(text: string): HTMLElement[] {
    const next = new Map<string, { element: HTMLElement; highlighted: boolean }>();
    const elements = splitBlocks(text).map((block, index) => {
      const key = `${index}\u0000${block}`;
      let entry = this.cache.get(key);
      if (!entry) {
        const { fragment, highlighted } = renderMarkdown(block, this.options);
        const element = document.createElement("div");
        element.className = "md-block";
        element.append(fragment);
        entry = { element, highlighted };
      }
      next.set(key, entry);
      return entry.element;
    });
    this.cache = next;
    return elements;
  }
}
