/**
 * highlight.js's token colours, mapped onto the theme tokens (code follows light/dark mode), in
 * the highlight.js chunk: a row adds them to its shadow root once the chunk is there
 * (open-chat-message.ts). A plain string (the build compacts it).
 */
export const highlightCss = `
  .hljs-keyword,
  .hljs-selector-tag,
  .hljs-built_in,
  .hljs-type {
    color: var(--_oc-link);
  }
  .hljs-string,
  .hljs-attr,
  .hljs-symbol,
  .hljs-addition {
    color: var(--_oc-success);
  }
  .hljs-number,
  .hljs-literal,
  .hljs-variable,
  .hljs-template-variable {
    color: var(--_oc-warning);
  }
  .hljs-title,
  .hljs-section,
  .hljs-name,
  .hljs-deletion {
    color: var(--_oc-danger);
  }
  .hljs-comment,
  .hljs-quote,
  .hljs-meta {
    color: var(--_oc-muted);
    font-style: italic;
  }
`;
