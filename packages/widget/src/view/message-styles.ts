/**
 * Styles of transcript rows: bubbles, markdown (code blocks have a bar), the typing indicator,
 * errors and the meta row (time, saved tick, actions). Logical properties throughout, so
 * right-to-left pages mirror. The styles of GFM's tables and footnotes and of highlight.js's
 * tokens come with their chunks (markdown/gfm-styles.ts, markdown/highlight-styles.ts).
 */
import { css } from "lit";

export const messageStyles = css`
  /* A column, so a row's bubble can sit at the end (user) or the start (assistant) of the transcript. */
  open-chat-message {
    display: flex;
    flex-direction: column;
  }
  .msg {
    display: flex;
    flex-direction: column;
    max-width: 88%;
  }
  .msg.user {
    align-self: flex-end;
    align-items: flex-end;
  }
  .msg.assistant {
    align-self: flex-start;
  }
  .content {
    padding: 8px 12px;
    border-radius: var(--_oc-radius);
    background: var(--_oc-surface);
    overflow-wrap: anywhere;
    max-width: 100%;
  }
  .msg.user .content {
    background: var(--_oc-user-bg);
    color: var(--_oc-user-text);
  }
  .msg.pending .content {
    opacity: 0.75;
  }
  .msg.failed .content {
    outline: 1px solid var(--_oc-danger);
  }
  .plain,
  .empty {
    margin: 0;
    white-space: pre-wrap;
  }
  .empty {
    color: var(--_oc-muted);
    font-style: italic;
  }
  .md-block > :first-child {
    margin-top: 0;
  }
  .md-block > :last-child {
    margin-bottom: 0;
  }
  .md-block + .md-block {
    margin-top: 0.6em;
  }
  .md p,
  .md ul,
  .md ol,
  .md pre,
  .md table,
  .md blockquote {
    margin: 0.5em 0;
  }
  .md h1,
  .md h2,
  .md h3,
  .md h4,
  .md h5,
  .md h6 {
    margin: 0.6em 0 0.3em;
    line-height: 1.25;
    font-size: 1.05em;
  }
  .md h1 {
    font-size: 1.3em;
  }
  .md h2 {
    font-size: 1.18em;
  }
  .md ul,
  .md ol {
    padding-inline-start: 1.4em;
  }
  .md a {
    color: var(--_oc-link);
    text-decoration: underline;
  }
  .md code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    background: var(--_oc-code-bg);
    padding: 0.1em 0.3em;
    border-radius: 4px;
  }
  .md pre {
    background: var(--_oc-code-bg);
    padding: 10px;
    border-radius: calc(var(--_oc-radius) / 2);
    overflow-x: auto;
    overflow-wrap: normal;
  }
  .code-block {
    margin: 0.5em 0;
  }
  .code-block pre {
    margin: 0;
    border-start-start-radius: 0;
    border-start-end-radius: 0;
  }
  .code-bar {
    display: flex;
    align-items: center;
    gap: 8px;
    padding-inline: 10px 4px;
    border-start-start-radius: calc(var(--_oc-radius) / 2);
    border-start-end-radius: calc(var(--_oc-radius) / 2);
    border-bottom: 1px solid var(--_oc-border);
    background: var(--_oc-code-bg);
    color: var(--_oc-muted);
    font-size: 0.8em;
  }
  .code-copy {
    margin-inline-start: auto;
    min-height: 28px;
    padding-inline: 8px;
  }
  .md pre code {
    padding: 0;
    background: none;
  }
  .md blockquote {
    border-inline-start: 3px solid var(--_oc-border);
    padding-inline-start: 10px;
    color: var(--_oc-muted);
  }
  .md hr {
    border: 0;
    border-top: 1px solid var(--_oc-border);
  }
  .typing {
    display: inline-flex;
    gap: 3px;
    margin-inline-start: 4px;
    vertical-align: middle;
  }
  .typing i {
    width: 5px;
    height: 5px;
    border-radius: 50%;
    background: var(--_oc-muted);
    animation: oc-blink 1.2s infinite ease-in-out;
  }
  .typing i:nth-child(2) {
    animation-delay: 0.2s;
  }
  .typing i:nth-child(3) {
    animation-delay: 0.4s;
  }
  @keyframes oc-blink {
    0%,
    80%,
    100% {
      opacity: 0.25;
    }
    40% {
      opacity: 1;
    }
  }
  .stall {
    margin: 4px 0 0;
    color: var(--_oc-muted);
    font-size: 0.9em;
  }
  .stall:empty {
    margin: 0;
  }
  .problem {
    display: flex;
    align-items: center;
    gap: 8px;
    margin-top: 4px;
    color: var(--_oc-danger);
    font-size: 0.9em;
  }
  .problem p {
    margin: 0;
  }
  .retry {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 8px;
    border-color: currentColor;
  }
  .meta {
    display: flex;
    align-items: center;
    gap: 4px;
    min-height: 24px;
    color: var(--_oc-muted);
    font-size: 0.8em;
  }
  .meta .icon {
    min-width: 28px;
    min-height: 28px;
    opacity: 0.8;
  }
  .actions {
    display: flex;
    align-items: center;
    gap: 2px;
  }
  /* The exact time: the title on hover; shown beside the relative time while focused. */
  .when {
    position: relative;
    border-radius: 4px;
  }
  .when:focus-visible::after {
    content: " · " attr(data-exact);
  }
  .saved {
    display: inline-flex;
    color: var(--_oc-success);
  }
  .saved svg {
    width: 14px;
    height: 14px;
  }
`;
