/**
 * Styles of the version actions (version-actions.ts, in its chunk): the switcher, the pressed
 * rating, the inline editor and comment form. Adopted into the view's shadow root when the first
 * of them connects. A plain string (the chunk imports nothing; the build compacts it).
 */
export const versionActionsCss = `
  /* Version actions (version-actions.ts): the elements lay their buttons into the actions row. */
  open-chat-versions,
  open-chat-feedback,
  open-chat-edit,
  .versions {
    display: contents;
  }
  .version-index {
    min-width: 2.5em;
    text-align: center;
    font-variant-numeric: tabular-nums;
  }
  .actions [aria-pressed="true"] {
    background: var(--_oc-surface);
    border-color: var(--_oc-border);
    color: var(--_oc-text);
  }
  .actions [aria-pressed="true"] svg {
    fill: currentColor;
  }
  /* An open editor or comment form takes the row's full width, below the buttons. */
  .meta:has(form),
  .actions:has(form) {
    flex-wrap: wrap;
  }
  .actions:has(form) {
    flex: 1 1 100%;
  }
  .edit-form,
  .feedback-form {
    display: flex;
    flex-direction: column;
    gap: 6px;
    flex: 1 1 100%;
    min-width: min(100%, 280px);
    margin-block: 4px;
  }
  .edit-form textarea,
  .feedback-form textarea {
    width: 100%;
    box-sizing: border-box;
    resize: vertical;
    color: var(--_oc-text);
    font: inherit;
    font-size: 1.2em;
  }
  .form-buttons {
    display: flex;
    justify-content: flex-end;
    gap: 6px;
  }
  .form-buttons button {
    padding: 4px 10px;
    border-color: var(--_oc-border);
    color: var(--_oc-text);
  }
  .feedback-thanks {
    margin-inline-start: 4px;
  }
`;
