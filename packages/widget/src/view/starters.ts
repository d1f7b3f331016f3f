/**
 * Starter prompts: chips a site configures (`starter-prompts` attribute as a JSON array of
 * strings, or the `starterPrompts` property) shown on an empty chat; a click sends the chip's
 * text as the user's first message.
 */
import { html, nothing } from "lit";
import type { OpenChatStrings } from "../common/strings.js";

/** The prompts worth showing: non-blank strings, trimmed. Anything else in the list is dropped. */
export function cleanPrompts(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is string => typeof p === "string" && p.trim() !== "").map((p) => p.trim());
}

export function renderStarters(prompts: readonly string[], strings: OpenChatStrings, send: (text: string) => void) {
  if (prompts.length === 0) return nothing;
  return html`<div class="starters" part="starter-prompts" role="group" aria-label=${strings.starterPrompts}>
    ${prompts.map((prompt) => html`<button type="button" class="starter" part="starter-prompt" @click=${() => send(prompt)}>${prompt}</button>`)}
  </div>`;
}
