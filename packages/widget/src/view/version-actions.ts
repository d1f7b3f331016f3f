/**
 * The version actions' chunk (lazy-parts.ts loads it when the first row that has them renders):
 * `<open-chat-versions>` ("‹ 2/3 ›", Regenerate), `<open-chat-feedback>` (👍/👎 and the comment
 * form) and `<open-chat-edit>` (Edit and the inline editor). It imports nothing at run time:
 * Lit and the view's helpers come with the kit.
 */
import type { Kit } from "./kit.js";
import { editClass, type OpenChatEdit } from "./message-edit.js";
import { feedbackClass, type OpenChatFeedback } from "./message-feedback.js";
import { messageForms } from "./message-forms.js";
import { versionsClass, type OpenChatVersions } from "./message-versions.js";
import { versionActionsCss } from "./version-styles.js";

/** Defines the three elements with the view's kit (once). */
export function defineVersionActions(kit: Kit): void {
  /** Their base: renders into the row (no shadow root of its own) and adds the styles to the view's shadow root. */
  class RowPart extends kit.LitElement {
    protected override createRenderRoot(): HTMLElement {
      return this;
    }

    override connectedCallback(): void {
      kit.adoptStyles(this, versionActionsCss);
      super.connectedCallback();
    }
  }
  const parts: Kit = { ...kit, LitElement: RowPart };
  const forms = messageForms(parts);
  const elements: Array<[string, CustomElementConstructor]> = [
    ["open-chat-versions", versionsClass(parts)],
    ["open-chat-feedback", feedbackClass(parts, forms)],
    ["open-chat-edit", editClass(parts, forms)],
  ];
  for (const [tag, element] of elements) if (!customElements.get(tag)) customElements.define(tag, element);
}

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-versions": OpenChatVersions;
    "open-chat-feedback": OpenChatFeedback;
    "open-chat-edit": OpenChatEdit;
  }
}
