/**
 * GFM footnotes that work inside a shadow root without touching the page's URL. micromark links
 * a reference to its note (and back) with `#user-content-…` fragments and ids; in a shadow root
 * those ids clash between messages and a fragment link would change the page's location. So
 * before sanitizing, the links micromark made (marked `data-footnote-ref` / `-backref`, which
 * markdown cannot forge: raw HTML is escaped) become buttons naming their target in
 * `data-fn-go`, and the targets carry `data-fn-id`; the message scrolls to the target within
 * itself on click (`goToFootnote`). Any other fragment link stays text (sanitize.ts).
 */
import type { OpenChatStrings } from "../common/strings.js";

/** The reader's words for footnotes (the strings table). */
export type FootnoteLabels = Pick<OpenChatStrings, "footnote" | "footnoteBack" | "footnotes">;

const REF = "user-content-fnref-";
const NOTE = "user-content-fn-";
/** A footnote identifier as micromark writes it (a normalized, URL-encoded label). */
const ID = /^[\w%.~-]{1,100}$/;

const idAfter = (value: string | null, prefix: string) => {
  const id = value?.startsWith(prefix) ? value.slice(prefix.length) : "";
  return ID.test(id) ? id : null;
};

function toButton(link: Element, className: string, go: string): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = className;
  button.dataset.fnGo = go;
  button.append(...Array.from(link.childNodes));
  link.replaceWith(button);
  return button;
}

/** Turns micromark's footnote links and anchors under `root` into in-message targets. Run before `sanitize`. */
export function markFootnotes(root: ParentNode): void {
  for (const link of Array.from(root.querySelectorAll("a[data-footnote-ref]"))) {
    const note = idAfter(link.getAttribute("href"), `#${NOTE}`);
    const ref = idAfter(link.id, REF);
    if (note && ref) toButton(link, "fn-ref", `fn-${note}`).dataset.fnId = `ref-${ref}`;
  }
  for (const link of Array.from(root.querySelectorAll("a[data-footnote-backref]"))) {
    const ref = idAfter(link.getAttribute("href"), `#${REF}`);
    if (ref) toButton(link, "fn-back", `ref-${ref}`);
  }
  for (const item of Array.from(root.querySelectorAll("li[id]"))) {
    const note = idAfter(item.id, NOTE);
    if (note) (item as HTMLElement).dataset.fnId = `fn-${note}`;
  }
}

/** Names the footnote buttons and heading in the reader's language. Run after `sanitize`. */
export function labelFootnotes(root: ParentNode, labels: FootnoteLabels): void {
  for (const button of Array.from(root.querySelectorAll<HTMLElement>("button.fn-ref"))) button.setAttribute("aria-label", labels.footnote(button.textContent ?? ""));
  for (const button of Array.from(root.querySelectorAll<HTMLElement>("button.fn-back"))) {
    // "↩²" is a picture: screen readers get the words instead (a text, not an aria-label that hides the "²").
    const picture = document.createElement("span");
    picture.setAttribute("aria-hidden", "true");
    picture.append(...Array.from(button.childNodes));
    const words = document.createElement("span");
    words.className = "sr-only";
    words.textContent = labels.footnoteBack(footnoteTarget(root, button.dataset.fnGo ?? "")?.textContent ?? "");
    button.append(picture, words);
  }
  for (const item of Array.from(root.querySelectorAll<HTMLElement>("li[data-fn-id]"))) item.tabIndex = -1; // focusable by script only
  for (const heading of Array.from(root.querySelectorAll("section > h2:first-child"))) {
    if (heading.parentElement!.querySelector(":scope > ol > li[data-fn-id]")) {
      heading.textContent = labels.footnotes;
      heading.className = "fn-title";
    }
  }
}

/** The element a footnote button points at, within `root` (ids are compared, never used as selectors). */
export function footnoteTarget(root: ParentNode, go: string): HTMLElement | null {
  for (const element of Array.from(root.querySelectorAll<HTMLElement>("[data-fn-id]"))) if (element.dataset.fnId === go) return element;
  return null;
}

/** A click on footnote button `button` in `root` (a message): focuses and scrolls to its target within `root`. */
export function goToFootnote(root: ParentNode, button: HTMLElement): void {
  const target = footnoteTarget(root, button.dataset.fnGo ?? "");
  target?.focus({ preventScroll: true });
  target?.scrollIntoView({ block: "nearest", inline: "nearest" });
}
