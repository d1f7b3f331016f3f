/**
 * The two inline forms of the version actions (in their chunk, version-actions.ts): the question
 * editor (message-edit.ts) and the feedback comment (message-feedback.ts). Each is a template
 * with its handlers; the element that opens it owns the state. Escape cancels; in the editor
 * Ctrl/⌘+Enter saves.
 */
import type { OpenChatStrings } from "../common/strings.js";
import type { Kit } from "./kit.js";

export interface FormOptions {
  strings: OpenChatStrings;
  /** Called with the textarea's trimmed text. */
  submit(text: string): void;
  cancel(): void;
}

function handlers(options: FormOptions) {
  return {
    submit(event: SubmitEvent) {
      event.preventDefault();
      options.submit((event.currentTarget as HTMLFormElement).querySelector("textarea")!.value.trim());
    },
    keydown(event: KeyboardEvent) {
      if (event.key === "Escape") {
        event.stopPropagation();
        options.cancel();
      } else if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
        event.preventDefault();
        (event.currentTarget as HTMLFormElement).requestSubmit();
      }
    },
  };
}

export function messageForms({ html, LIMITS }: Kit) {
  return {
    /** The inline editor of a question: its text, Save and Cancel. */
    editForm(text: string, options: FormOptions) {
      const s = options.strings;
      const on = handlers(options);
      return html`<form class="edit-form" part="edit-form" @submit=${on.submit} @keydown=${on.keydown}>
        <textarea part="edit-input" name="text" rows="3" aria-label=${s.editMessage} .value=${text}></textarea>
        <span class="form-buttons">
          <button type="button" part="edit-cancel" @click=${options.cancel}>${s.cancel}</button>
          <button type="submit" part="edit-save">${s.save}</button>
        </span>
      </form>`;
    },

    /** The optional comment after a 👍/👎. */
    commentForm(options: FormOptions) {
      const s = options.strings;
      const on = handlers(options);
      return html`<form class="feedback-form" part="feedback-form" @submit=${on.submit} @keydown=${on.keydown}>
        <textarea part="feedback-comment" name="comment" rows="2" maxlength=${LIMITS.maxFeedbackCommentLength} aria-label=${s.feedbackComment} placeholder=${s.feedbackComment}></textarea>
        <span class="form-buttons">
          <button type="button" part="feedback-cancel" @click=${options.cancel}>${s.cancel}</button>
          <button type="submit" part="feedback-send">${s.sendFeedback}</button>
        </span>
      </form>`;
    },
  };
}

export type MessageForms = ReturnType<typeof messageForms>;
