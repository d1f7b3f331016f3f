/**
 * What the view lends its lazy parts (lazy-parts.ts): Lit and the few helpers they use, so a
 * part's chunk imports nothing at run time and holds only its own code. Parts import only the
 * `Kit` type from here.
 */
import { currentThread, LIMITS } from "@open-chat/shared";
import { LitElement, html, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { icons } from "./icons.js";
import { requestVersionAction } from "./version-action.js";

const sheets = new Map<string, CSSStyleSheet>();

/** Adds a part's (or a markdown chunk's) styles to the shadow root `element` renders in (the view's), once per root. */
export function adoptStyles(element: Element, cssText: string): void {
  const root = element.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  let sheet = sheets.get(cssText);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(cssText);
    sheets.set(cssText, sheet);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** What the view lends its lazy parts. */
export const kit = { LitElement, html, nothing, repeat, icons, adoptStyles, currentThread, LIMITS, requestVersionAction };
export type Kit = typeof kit;
