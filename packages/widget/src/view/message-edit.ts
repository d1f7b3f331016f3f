/**
 * `<open-chat-edit>`: Edit under a question. It opens an inline editor (message-forms.ts: a
 * textarea with the question's text, Save and Cancel); Save sends the new text as another
 * version of the question (`client.edit`: it shows at once in the question's place, then gets
 * its own answer), Cancel or Escape closes it and returns focus to Edit. Part of the version
 * actions' chunk (version-actions.ts), which makes it render into the row.
 */
import type { ChatMessage } from "@open-chat/sdk";
import type { LitElement } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import type { Kit } from "./kit.js";
import type { MessageForms } from "./message-forms.js";

export interface OpenChatEdit extends LitElement {
  message: ChatMessage | undefined;
  strings: OpenChatStrings;
}

export function editClass({ LitElement, html, nothing, icons, requestVersionAction }: Kit, forms: MessageForms): new () => OpenChatEdit {
  return class OpenChatEdit extends LitElement {
    static override properties = {
      message: { attribute: false },
      strings: { attribute: false },
      _editing: { state: true },
    };

    declare message: ChatMessage | undefined;
    declare strings: OpenChatStrings;
    /** The editor is open. */
    declare _editing: boolean;

    constructor() {
      super();
      this._editing = false;
    }

    protected override render() {
      const message = this.message;
      const s = this.strings;
      if (!message || !s) return nothing;
      if (!this._editing) {
        return html`<button type="button" class="icon" part="edit-button" aria-label=${s.edit} title=${s.edit} @click=${this._onOpen}>${icons.edit}</button>`;
      }
      return forms.editForm(message.text, { strings: s, submit: (text) => this._onSave(text), cancel: () => this._close() });
    }

    protected override updated(): void {
      this.toggleAttribute("open", this._editing); // styles give the open editor the row's width
    }

    async _onOpen(): Promise<void> {
      this._editing = true;
      await this.updateComplete;
      const input = this.querySelector<HTMLTextAreaElement>("textarea");
      input?.focus();
      input?.setSelectionRange(input.value.length, input.value.length);
    }

    _onSave(text: string): void {
      // An unchanged or emptied question is no edit: just close.
      if (this.message && text && text !== this.message.text.trim()) requestVersionAction(this, { type: "edit", messageId: this.message.id, text });
      this._close();
    }

    _close(): void {
      this._editing = false;
      void this.updateComplete.then(() => this.querySelector<HTMLButtonElement>("[part=edit-button]")?.focus());
    }
  };
}
