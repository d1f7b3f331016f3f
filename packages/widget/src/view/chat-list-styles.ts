/**
 * Styles of the chat list (chat-list.ts, in its chunk): adopted into the view's shadow root when
 * the list first shows. A plain string (the chunk imports nothing; the build compacts it). The
 * narrow layout keys on the view's container (`oc-view`, styles.ts).
 */
export const chatListCss = `
  /* The list has its own width: a long title is cut with an ellipsis, never widens the list. */
  open-chat-list {
    display: flex;
    flex: none;
    inline-size: 240px;
    min-height: 0;
  }
  .chats {
    display: flex;
    flex-direction: column;
    inline-size: 100%;
    min-width: 0;
    border-inline-end: 1px solid var(--_oc-border);
    background: var(--_oc-bg);
    overflow-y: auto;
    padding: 8px;
    gap: 6px;
  }
  .chats li button:hover {
    background: var(--_oc-surface);
  }
  .chats h3 {
    margin: 4px 6px;
    font-size: 0.85em;
    color: var(--_oc-muted);
  }
  .chats ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .chats li {
    display: flex;
    align-items: center;
    gap: 2px;
  }
  .chats li .open {
    flex: 1;
    min-width: 0;
    text-align: start;
    padding: 6px 8px;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .chats li .open[aria-current="true"] {
    font-weight: 600;
    background: var(--_oc-surface);
  }
  .chats input {
    flex: 1;
    min-width: 0;
    font: inherit;
    color: inherit;
    background: var(--_oc-bg);
    border: 1px solid var(--_oc-border);
    border-radius: 4px;
    padding: 4px 6px;
  }
  .chats .confirm {
    flex-direction: column;
    align-items: stretch;
    gap: 6px;
    padding: 8px;
    margin-block: 4px;
    border: 1px solid var(--_oc-danger);
    border-radius: calc(var(--_oc-radius) / 2);
  }
  .chats .confirm p {
    margin: 0;
    color: var(--_oc-text);
    overflow-wrap: anywhere;
  }
  .chats .confirm div {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .chats .confirm button {
    flex: 1;
    padding: 4px 8px;
    border-color: var(--_oc-border);
  }
  .chats .confirm .yes {
    background: var(--_oc-danger);
    border-color: var(--_oc-danger);
    color: var(--_oc-bg);
  }
  .chats p {
    margin: 6px;
    color: var(--_oc-muted);
  }
  .chats .new {
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 6px 8px;
    border: 1px solid var(--_oc-border);
  }
  /* Narrow panel (launcher, phone, 200% zoom): the list floats over the conversation, which keeps its full width. */
  @container oc-view (max-width: 559px) {
    open-chat-list {
      position: absolute;
      inset-block: 0;
      inset-inline-start: 0;
      z-index: 1;
      inline-size: min(280px, 85%);
      box-shadow: var(--_oc-shadow);
    }
  }
`;
