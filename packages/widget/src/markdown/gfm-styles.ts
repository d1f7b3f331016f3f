/**
 * Styles of what only GFM renders — tables (they scroll sideways in a region; words never break
 * mid-word) and footnotes — in the GFM chunk: a row adds them to its shadow root once the chunk
 * is there (open-chat-message.ts). A plain string (the build compacts it).
 */
export const gfmCss = `
  /* A wide table scrolls in its region; its words never break mid-word. */
  .table-scroll {
    margin: 0.5em 0;
    overflow-x: auto;
    overflow-wrap: normal;
  }
  .md table {
    border-collapse: collapse;
  }
  .table-scroll table {
    margin: 0;
  }
  .md th,
  .md td {
    border: 1px solid var(--_oc-border);
    padding: 4px 8px;
  }
  .md td[align="center"],
  .md th[align="center"] {
    text-align: center;
  }
  .md td[align="right"],
  .md th[align="right"] {
    text-align: end;
  }
  .md th,
  .md td[align="left"] {
    text-align: start;
  }
  /* Footnote links: buttons that look like links (they scroll within the message). */
  .fn-ref,
  .fn-back {
    padding: 0 2px;
    border: 0;
    color: var(--_oc-link);
    text-decoration: underline;
  }
  .fn-title {
    margin-top: 1em;
    font-size: 0.9em;
    color: var(--_oc-muted);
  }
`;
