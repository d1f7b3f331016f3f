/**
 * Defence in depth behind micromark. micromark already escapes raw HTML and drops unsafe link
 * protocols; this walk then keeps only an allowlist of the elements and attributes micromark
 * (with GFM) and highlight.js produce, re-checks every URL, and applies the widget's link and
 * image policy:
 *
 * - links: only `http:`, `https:`, `mailto:` (relative ones resolve against the page), opened with
 *   `target="_blank" rel="noopener noreferrer"`; in-page `#fragment` links become plain text
 *   (GFM footnote links are buttons by then, see footnotes.ts);
 * - images: by default NOT loaded — an image becomes a link to it (or its alt text), so the
 *   page makes no request a model (or a prompt injection) chose; with `allowImages` only
 *   `http(s)` images load, lazily and without a referrer.
 *
 * It works on an inert `<template>` fragment, so nothing loads or runs while it walks.
 */

export interface SanitizeOptions {
  /** Render `<img>` (http/https only). Default false: images become links. */
  allowImages?: boolean;
  /** Prefix of the link text that replaces an image. Default "Image". */
  imageLabel?: string;
}

const HTML_NS = "http://www.w3.org/1999/xhtml";

/** Allowed elements and, for each, its allowed attributes. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  A: ["href", "title"],
  P: [],
  BR: [],
  HR: [],
  H1: [],
  H2: [],
  H3: [],
  H4: [],
  H5: [],
  H6: [],
  STRONG: [],
  EM: [],
  DEL: [],
  CODE: ["class"],
  PRE: [],
  BLOCKQUOTE: [],
  UL: [],
  OL: ["start"],
  LI: ["data-fn-id"],
  TABLE: [],
  THEAD: [],
  TBODY: [],
  TR: [],
  TH: ["align"],
  TD: ["align"],
  INPUT: ["type", "checked", "disabled"],
  SPAN: ["class"],
  SUP: [],
  BUTTON: ["type", "class", "data-fn-go", "data-fn-id"], // footnote links (footnotes.ts)
  SECTION: [],
  IMG: ["src", "alt", "title"],
};

const LINK_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);
const IMAGE_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:"]);
const CLASS_TOKEN = /^(?:language-[\w+#.-]{1,40}|hljs(?:-[\w-]{1,40})?|[a-z]{1,20}_{1,2}|fn-(?:ref|back))$/;
const FOOTNOTE_ID = /^(?:fn|ref)-[\w%.~-]{1,100}$/;

/**
 * The absolute URL when `value` is a URL with one of `protocols` (relative URLs resolve against
 * the page), else null. `URL` strips tabs/newlines and decodes nothing, like the browser does.
 */
export function safeUrl(value: string | null, protocols: ReadonlySet<string> = LINK_PROTOCOLS): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return null;
  try {
    const url = new URL(trimmed, document.baseURI);
    return protocols.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Sanitizes `root`'s children in place. */
export function sanitize(root: ParentNode, options: SanitizeOptions = {}): void {
  for (const child of Array.from(root.childNodes)) sanitizeNode(child, options);
}

function sanitizeNode(node: Node, options: SanitizeOptions): void {
  if (node.nodeType === Node.TEXT_NODE) return;
  if (node.nodeType !== Node.ELEMENT_NODE) {
    node.parentNode?.removeChild(node); // comments, processing instructions, CDATA
    return;
  }
  const element = node as Element;
  const allowed = element.namespaceURI === HTML_NS ? ALLOWED[element.tagName] : undefined;
  if (!allowed) {
    element.replaceWith(document.createTextNode(element.textContent ?? ""));
    return;
  }
  for (const attribute of Array.from(element.attributes)) {
    if (!allowed.includes(attribute.name) || !validAttribute(element.tagName, attribute.name, attribute.value)) {
      element.removeAttribute(attribute.name);
    }
  }
  switch (element.tagName) {
    case "A":
      return sanitizeLink(element as HTMLAnchorElement, options);
    case "IMG":
      return sanitizeImage(element as HTMLImageElement, options);
    case "INPUT":
      if (element.getAttribute("type") !== "checkbox") element.remove();
      else element.setAttribute("disabled", "");
      return;
  }
  sanitize(element, options);
}

function validAttribute(tag: string, name: string, value: string): boolean {
  switch (name) {
    case "class":
      return value.split(/\s+/).every((token) => token === "" || CLASS_TOKEN.test(token));
    case "align":
      return value === "left" || value === "center" || value === "right";
    case "start":
      return /^\d{1,9}$/.test(value);
    case "type":
      return (tag === "INPUT" && value === "checkbox") || (tag === "BUTTON" && value === "button");
    case "data-fn-go":
    case "data-fn-id":
      return FOOTNOTE_ID.test(value);
    default:
      return true; // href/src are checked by their element's handler; others are plain text
  }
}

function sanitizeLink(link: HTMLAnchorElement, options: SanitizeOptions): void {
  sanitize(link, options);
  const href = safeUrl(link.getAttribute("href"));
  if (!href) {
    link.replaceWith(...Array.from(link.childNodes));
    return;
  }
  link.setAttribute("href", href);
  link.setAttribute("target", "_blank");
  link.setAttribute("rel", "noopener noreferrer");
}

function sanitizeImage(image: HTMLImageElement, options: SanitizeOptions): void {
  const src = safeUrl(image.getAttribute("src"), IMAGE_PROTOCOLS);
  const alt = image.getAttribute("alt") ?? "";
  if (src && options.allowImages) {
    image.setAttribute("src", src);
    image.setAttribute("loading", "lazy");
    image.setAttribute("decoding", "async");
    image.setAttribute("referrerpolicy", "no-referrer");
    return;
  }
  if (!src) {
    image.replaceWith(document.createTextNode(alt));
    return;
  }
  const link = document.createElement("a");
  link.href = src;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.className = "image-link";
  link.textContent = `${options.imageLabel ?? "Image"}: ${alt || src}`;
  image.replaceWith(link);
}
