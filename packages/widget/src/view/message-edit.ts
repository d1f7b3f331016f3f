/**
 * `<open-chat-edit>`: Edit under a question. It opens an inline editor (message-forms.ts, loaded
 * on the first Edit: a textarea with the question's text, Save and Cancel); Save sends the new
 * text as another version of the question (`client.edit`: it shows at once in the question's
 * place, then gets its own answer), Cancel or Escape closes it and returns focus to Edit.
 * Renders into the row.
 */
import type { ChatMessage } from "@open-chat/sdk";
import { LitElement, html, nothing } from "lit";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../common/strings.js";
import { icons } from "./icons.js";
import { loadForms, type MessageForms } from "./message-forms-loader.js";
import { EDIT_TAG, requestVersionAction } from "./version-action.js";

export class OpenChatEdit extends LitElement {
  static override properties = {
    message: { attribute: false },
    strings: { attribute: false },
    _forms: { state: true },
  };

  declare message: ChatMessage | undefined;
  declare strings: OpenChatStrings;
  /** The forms chunk while the editor is open; undefined: closed. */
  declare private _forms: MessageForms | undefined;

  constructor() {
    super();
    this.strings = DEFAULT_STRINGS;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render() {
    const message = this.message;
    if (!message) return nothing;
    const s = this.strings;
    if (!this._forms) {
      return html`<button type="button" class="icon" part="edit-button" aria-label=${s.edit} title=${s.edit} @click=${this._onOpen}>${icons.edit}</button>`;
    }
    return this._forms.editForm(message.text, { strings: s, submit: (text) => this._onSave(text), cancel: () => this._close() });
  }

  protected override updated(): void {
    this.toggleAttribute("open", this._forms !== undefined); // styles give the open editor the row's width
  }

  private async _onOpen(): Promise<void> {
    const forms = await loadForms().catch(() => undefined); // offline before the first Edit: the button stays
    if (!forms) return;
    this._forms = forms;
    await this.updateComplete;
    const input = this.querySelector<HTMLTextAreaElement>("textarea");
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }

  private _onSave(text: string): void {
    // An unchanged or emptied question is no edit: just close.
    if (this.message && text && text !== this.message.text.trim()) requestVersionAction(this, { type: "edit", messageId: this.message.id, text });
    this._close();
  }

  private _close(): void {
    this._forms = undefined;
    void this.updateComplete.then(() => this.querySelector<HTMLButtonElement>("[part=edit-button]")?.focus());
  }
}

if (!customElements.get(EDIT_TAG)) customElements.define(EDIT_TAG, OpenChatEdit);

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-edit": OpenChatEdit;
  }
}
