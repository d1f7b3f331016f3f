/**
 * The error banner above the transcript: the human sentence for the end user, the developer
 * text (the SDK's or server's own message, with its code) folded under a "Details" disclosure,
 * and a dismiss button. `role="alert"`: a new error is announced once.
 */
import { html, nothing } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import { icons } from "./icons.js";

export function renderBanner(error: { text: string; developer: string } | null, strings: OpenChatStrings, dismiss: () => void) {
  if (!error) return nothing;
  return html`<div class="banner" part="error" role="alert">
    <div class="banner-text">
      <p>${error.text}</p>
      <details part="error-details">
        <summary>${strings.errorDetails}</summary>
        <code>${error.developer}</code>
      </details>
    </div>
    <button type="button" class="icon" aria-label=${strings.dismiss} title=${strings.dismiss} @click=${dismiss}>${icons.close}</button>
  </div>`;
}
