/** Loads the inline forms' chunk (message-forms.ts) once; a failed load is tried again next time. */
export type MessageForms = typeof import("./message-forms.js");

let loading: Promise<MessageForms> | undefined;

export function loadForms(): Promise<MessageForms> {
  return (loading ??= import("./message-forms.js").catch((error: unknown) => {
    loading = undefined;
    throw error;
  }));
}
