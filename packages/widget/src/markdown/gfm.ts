/**
 * The GFM chunk, loaded the first time a text may use GFM syntax (gfm-loader.ts): micromark's
 * GFM extensions (tables, footnotes, strikethrough, task lists, autolink literals) and the DOM
 * work only their output needs.
 */
import type { Options } from "micromark";
import { gfm, gfmHtml } from "micromark-extension-gfm";

export const options: Options = { extensions: [gfm()], htmlExtensions: [gfmHtml()] };
export { goToFootnote, labelFootnotes, markFootnotes } from "./footnotes.js";
export { gfmCss as css } from "./gfm-styles.js";
export { wrapTables } from "./tables.js";
