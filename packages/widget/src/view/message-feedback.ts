/**
 * `<open-chat-feedback>`: 👍/👎 under an ended answer. The rating shown pressed (`aria-pressed`)
 * is the log's (`message.feedback`), or the one just chosen until the log has it; pressing the
 * pressed one clears it. After a rating, a small inline form (message-forms.ts, loaded then)
 * takes an optional comment, sent as the same rating with the comment (the latest feedback
 * wins). Renders into the row.
 */
import type { ChatMessage } from "@open-chat/sdk";
import { LitElement, html, nothing, type PropertyValues } from "lit";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../common/strings.js";
import { loadForms, type MessageForms } from "./message-forms-loader.js";
import { FEEDBACK_TAG, requestVersionAction } from "./version-action.js";

type Rating = "up" | "down";

export class OpenChatFeedback extends LitElement {
  static override properties = {
    message: { attribute: false },
    strings: { attribute: false },
    _chosen: { state: true },
    _forms: { state: true },
    _thanked: { state: true },
  };

  declare message: ChatMessage | undefined;
  declare strings: OpenChatStrings;
  /** The rating just chosen (null: cleared), until the log's message says so; undefined: none chosen here. */
  declare private _chosen: Rating | null | undefined;
  /** The forms chunk while the comment form is open; undefined: closed. */
  declare private _forms: MessageForms | undefined;
  declare private _thanked: boolean;

  constructor() {
    super();
    this.strings = DEFAULT_STRINGS;
    this._thanked = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The log caught up with the choice: show the log's rating from now on.
    if (changed.has("message") && this._chosen !== undefined && (this.message?.feedback?.rating ?? null) === this._chosen) this._chosen = undefined;
  }

  private get _rating(): Rating | null {
    return this._chosen !== undefined ? this._chosen : (this.message?.feedback?.rating ?? null);
  }

  protected override render() {
    if (!this.message) return nothing;
    const s = this.strings;
    const rating = this._rating;
    const button = (value: Rating, label: string, face: string) =>
      html`<button type="button" class="icon" part="feedback-${value}" aria-label=${label} title=${label} aria-pressed=${rating === value ? "true" : "false"} @click=${() => this._rate(value)}>
        <span aria-hidden="true">${face}</span>
      </button>`;
    return html`${button("up", s.goodAnswer, "👍")}${button("down", s.badAnswer, "👎")}
      ${this._forms && rating ? this._forms.commentForm({ strings: s, submit: (comment) => this._onSubmit(comment), cancel: () => this._close() }) : nothing}
      ${this._thanked ? html`<span class="feedback-thanks" part="feedback-thanks" role="status">${s.feedbackThanks}</span>` : nothing}`;
  }

  private async _rate(value: Rating): Promise<void> {
    if (!this.message) return;
    const next = this._rating === value ? null : value;
    this._chosen = next;
    this._thanked = false;
    this._forms = undefined;
    requestVersionAction(this, { type: "feedback", messageId: this.message.id, rating: next });
    if (next === null) return;
    const forms = await loadForms().catch(() => undefined); // offline: the rating went, the comment form did not come
    if (!forms || this._rating !== next) return; // or the rating changed meanwhile
    this._forms = forms;
    await this.updateComplete;
    this.querySelector<HTMLTextAreaElement>("textarea")?.focus();
  }

  private _onSubmit(comment: string): void {
    const rating = this._rating;
    if (this.message && rating && comment) requestVersionAction(this, { type: "feedback", messageId: this.message.id, rating, comment });
    this._forms = undefined;
    this._thanked = comment !== "";
  }

  private _close(): void {
    this._forms = undefined;
    void this.updateComplete.then(() => this.querySelector<HTMLButtonElement>("[aria-pressed=true]")?.focus());
  }
}

if (!customElements.get(FEEDBACK_TAG)) customElements.define(FEEDBACK_TAG, OpenChatFeedback);

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-feedback": OpenChatFeedback;
  }
}
