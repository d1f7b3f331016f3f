/**
 * `<open-chat-feedback>`: 👍/👎 under an ended answer. The rating shown pressed (`aria-pressed`)
 * is the log's (`message.feedback`), or the one just chosen until the log has it; pressing the
 * pressed one clears it. After a rating, a small inline form (message-forms.ts) takes an
 * optional comment, sent as the same rating with the comment (the latest feedback wins).
 * Part of the version actions' chunk (version-actions.ts), which makes it render into the row.
 */
import type { ChatMessage } from "@open-chat/sdk";
import type { LitElement, PropertyValues } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import type { Kit } from "./kit.js";
import type { MessageForms } from "./message-forms.js";

type Rating = "up" | "down";

export interface OpenChatFeedback extends LitElement {
  message: ChatMessage | undefined;
  strings: OpenChatStrings;
}

export function feedbackClass({ LitElement, html, nothing, icons, requestVersionAction }: Kit, forms: MessageForms): new () => OpenChatFeedback {
  return class OpenChatFeedback extends LitElement {
    static override properties = {
      message: { attribute: false },
      strings: { attribute: false },
      _chosen: { state: true },
      _commenting: { state: true },
      _thanked: { state: true },
    };

    declare message: ChatMessage | undefined;
    declare strings: OpenChatStrings;
    /** The rating just chosen (null: cleared), until the log's message says so; undefined: none chosen here. */
    declare _chosen: Rating | null | undefined;
    /** The comment form is open. */
    declare _commenting: boolean;
    declare _thanked: boolean;

    constructor() {
      super();
      this._commenting = false;
      this._thanked = false;
    }

    protected override willUpdate(changed: PropertyValues<this>): void {
      // The log caught up with the choice: show the log's rating from now on.
      if (changed.has("message") && this._chosen !== undefined && (this.message?.feedback?.rating ?? null) === this._chosen) this._chosen = undefined;
    }

    get _rating(): Rating | null {
      return this._chosen !== undefined ? this._chosen : (this.message?.feedback?.rating ?? null);
    }

    protected override render() {
      const s = this.strings;
      if (!this.message || !s) return nothing;
      const rating = this._rating;
      const button = (value: Rating, label: string, face: unknown) =>
        html`<button type="button" class="icon" part="feedback-${value}" aria-label=${label} title=${label} aria-pressed=${rating === value ? "true" : "false"} @click=${() => this._rate(value)}>${face}</button>`;
      return html`${button("up", s.goodAnswer, icons.thumbUp)}${button("down", s.badAnswer, icons.thumbDown)}
        ${this._commenting && rating ? forms.commentForm({ strings: s, submit: (comment) => this._onSubmit(comment), cancel: () => this._close() }) : nothing}
        ${this._thanked ? html`<span class="feedback-thanks" part="feedback-thanks" role="status">${s.feedbackThanks}</span>` : nothing}`;
    }

    async _rate(value: Rating): Promise<void> {
      if (!this.message) return;
      const next = this._rating === value ? null : value;
      this._chosen = next;
      this._thanked = false;
      this._commenting = next !== null;
      requestVersionAction(this, { type: "feedback", messageId: this.message.id, rating: next });
      if (next === null) return;
      await this.updateComplete;
      this.querySelector<HTMLTextAreaElement>("textarea")?.focus();
    }

    _onSubmit(comment: string): void {
      const rating = this._rating;
      if (this.message && rating && comment) requestVersionAction(this, { type: "feedback", messageId: this.message.id, rating, comment });
      this._commenting = false;
      this._thanked = comment !== "";
    }

    _close(): void {
      this._commenting = false;
      void this.updateComplete.then(() => this.querySelector<HTMLButtonElement>("[aria-pressed=true]")?.focus());
    }
  };
}
