/**
 * The view's rarely used parts, each a chunk of its own, and when they load:
 *
 * - the chat list (chat-list.ts, ☰: list, rename, delete, and its state, chat-list-controller.ts)
 *   when the list first opens;
 * - the version actions (version-actions.ts: ‹ 2/3 ›, Regenerate, 👍/👎 with the comment form,
 *   Edit with the inline editor) when the transcript first shows a message.
 *
 * A part imports nothing at run time: what it needs of Lit and of the view comes in as the
 * {@link kit}, so its chunk holds only its own code and nothing the view also uses is split into
 * chunks of its own (a page would load those as extra files). Its tags upgrade when it arrives —
 * Lit keeps the properties the view set on them before. A failed load is tried again next time.
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

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

/** Defines `<open-chat-list>`; resolves with the list's chunk (its state: `ChatListController`) once it is defined. */
export const loadChatList = once(() => import("./chat-list.js").then((part) => (part.defineChatList(kit), part)));

/** Defines `<open-chat-versions>`, `<open-chat-feedback>` and `<open-chat-edit>` (resolves once they are defined). */
export const loadVersionActions = once(() => import("./version-actions.js").then((part) => part.defineVersionActions(kit)));
