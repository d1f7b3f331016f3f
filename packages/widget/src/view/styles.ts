/**
 * Layout styles of the full chat view: header, transcript, composer (rows and markdown are in
 * `message-styles.ts`, the chat list's in `chat-list-styles.ts`, loaded with the list). Lit adopts them as constructable stylesheets — no
 * inline `<style>` — so a strict `style-src 'self'` CSP holds. Colours come from the `--_oc-*`
 * tokens that `<open-chat>` derives from the public `--open-chat-*` custom properties.
 */
import { css } from "lit";

export const viewStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: 0;
    background: var(--_oc-bg);
    color: var(--_oc-text);
    font-family: var(--_oc-font);
    font-size: var(--_oc-font-size);
    line-height: 1.5;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .view {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: 0;
    /* The narrow layout keys on the panel's own width, not the viewport's (a 400px launcher panel on a wide page is narrow). */
    container: oc-view / inline-size;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    color: inherit;
    background: none;
    border: 1px solid transparent;
    border-radius: calc(var(--_oc-radius) / 2);
    cursor: pointer;
  }
  button:disabled {
    cursor: default;
    opacity: 0.55;
  }
  :focus-visible {
    outline: 2px solid var(--_oc-focus);
    outline-offset: 2px;
  }
  .icon {
    display: inline-grid;
    place-items: center;
    min-width: 32px;
    min-height: 32px;
    padding: 4px;
  }
  .icon:hover {
    background: var(--_oc-surface);
  }
  .header {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 8px 10px;
    border-block-end: 1px solid var(--_oc-border);
  }
  h2 {
    flex: 1;
    min-width: 0;
    margin: 0;
    font-size: 1em;
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .status {
    display: inline-flex;
    align-items: center;
    gap: 5px;
    font-size: 0.8em;
    color: var(--_oc-muted);
  }
  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_oc-muted);
  }
  .status.live .dot {
    background: var(--_oc-success);
  }
  .status.reconnecting .dot,
  .status.connecting .dot {
    background: var(--_oc-warning);
  }
  .status.offline .dot,
  .status.closed .dot {
    background: var(--_oc-danger);
  }
  .body {
    position: relative;
    display: flex;
    flex: 1;
    min-height: 0;
  }
  .main {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-width: 0;
  }
  .banner {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 8px 10px 0;
    padding-block: 6px;
    padding-inline: 10px 6px;
    border: 1px solid var(--_oc-danger);
    border-radius: calc(var(--_oc-radius) / 2);
    color: var(--_oc-danger);
  }
  .banner-text {
    flex: 1;
    min-width: 0;
  }
  .banner p {
    margin: 0;
  }
  .banner details {
    font-size: 0.8em;
    color: var(--_oc-muted);
  }
  .banner summary {
    cursor: pointer;
  }
  .banner code {
    display: block;
    overflow-wrap: anywhere;
    white-space: pre-wrap;
  }
  .starters {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .starter {
    max-inline-size: 100%;
    padding: 6px 12px;
    border-color: var(--_oc-border);
    border-radius: 999px;
    text-align: start;
    overflow-wrap: anywhere;
  }
  .starter:hover {
    background: var(--_oc-surface);
  }
  .transcript {
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 12px 10px;
  }
  .day {
    align-self: center;
    margin-block: 4px;
    padding-inline: 10px;
    font-size: 12px;
    color: var(--_oc-muted);
  }
  .messages {
    display: flex;
    flex-direction: column;
    gap: 10px;
  }
  .composer {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-end;
    gap: 6px;
    padding: 8px 10px 10px;
    border-block-start: 1px solid var(--_oc-border);
  }
  .counter {
    flex-basis: 100%;
    margin: 0;
    font-size: 0.8em;
    text-align: end;
    color: var(--_oc-muted);
  }
  .counter.over {
    color: var(--_oc-danger);
    font-weight: 600;
  }
  textarea {
    flex: 1;
    min-width: 0;
    resize: none;
    field-sizing: content;
    min-height: 40px;
    max-height: 160px;
    padding: 8px 10px;
    font: inherit;
    color: inherit;
    background: var(--_oc-bg);
    border: 1px solid var(--_oc-border);
    border-radius: calc(var(--_oc-radius) / 1.5);
  }
  textarea::placeholder {
    color: var(--_oc-muted);
  }
  .send,
  .stop {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    min-height: 40px;
    min-width: 40px;
    justify-content: center;
    padding: 0 10px;
  }
  .send {
    background: var(--_oc-accent);
    color: var(--_oc-accent-text);
  }
  /* The arrow points the way the text runs. */
  .send svg:dir(rtl) {
    transform: scaleX(-1);
  }
  .stop {
    border-color: var(--_oc-border);
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation: none !important;
      transition: none !important;
      scroll-behavior: auto !important;
    }
  }
`;
