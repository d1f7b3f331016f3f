/**
 * `<open-chat-list>`: the side panel — new chat, the user's chats (switch, rename in place,
 * delete after a visible confirm step: "Delete “title”? Delete / Cancel"). It owns only its editing state and reports what the
 * user asked for with (non-composed) events; the view calls the controllers. Renders into the
 * view's shadow root, so the view's styles and parts apply; its own styles (chat-list-styles.ts)
 * it adds there when it connects. A chunk of its own, loaded when the list first opens
 * (kit.ts): it imports nothing at run time, Lit and the icons come with the kit.
 *
 * @fires oc-new - New chat.
 * @fires oc-select - Switch to `detail` (a chat id).
 * @fires oc-rename - Rename `detail.chatId` to `detail.title`.
 * @fires oc-delete - Delete `detail` (a chat id), after the user confirmed.
 */
import type { Chat } from "@open-chat/sdk";
import type { LitElement } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import { chatListCss } from "./chat-list-styles.js";
import type { Kit } from "./kit.js";

export { ChatListController } from "./chat-list-controller.js";

export const CHAT_LIST_TAG = "open-chat-list";

export interface OpenChatList extends LitElement {
  chats: readonly Chat[];
  loading: boolean;
  currentId: string | null;
  strings: OpenChatStrings;
}

function chatListClass({ LitElement, html, nothing, repeat, icons, adoptStyles }: Kit): new () => OpenChatList {
  return class OpenChatList extends LitElement {
    static override properties = {
      chats: { attribute: false },
      loading: { type: Boolean },
      currentId: { attribute: false },
      strings: { attribute: false },
      _renaming: { state: true },
      _confirming: { state: true },
    };

    declare chats: readonly Chat[];
    declare loading: boolean;
    declare currentId: string | null;
    declare strings: OpenChatStrings;
    declare private _renaming: string | null;
    declare private _confirming: string | null;

    constructor() {
      super();
      this.chats = [];
      this.loading = false;
      this.currentId = null;
      this._renaming = null;
      this._confirming = null;
    }

    protected override createRenderRoot(): HTMLElement {
      return this;
    }

    override connectedCallback(): void {
      adoptStyles(this, chatListCss);
      super.connectedCallback();
    }

    protected override render() {
      const s = this.strings;
      if (!s) return nothing; // the view sets it with the rest
      return html`<nav id="chats" class="chats" part="chat-list" aria-label=${s.chats}>
        <button type="button" class="new" @click=${() => this._emit("oc-new")}>${icons.plus}<span>${s.newChat}</span></button>
        <h3>${s.chats}</h3>
        ${this.chats.length === 0 ? html`<p>${this.loading ? s.loading : s.noChats}</p>` : nothing}
        <ul>
          ${repeat(
            this.chats,
            (chat) => chat.id,
            (chat) => this._renderChat(chat),
          )}
        </ul>
      </nav>`;
    }

    private _renderChat(chat: Chat) {
      const s = this.strings;
      const title = chat.title || s.untitled;
      if (this._confirming === chat.id) return this._renderConfirm(chat.id, title);
      return html`<li part="chat-item">
        ${this._renaming === chat.id
          ? html`<input type="text" aria-label=${s.renameInput} .value=${chat.title ?? ""} maxlength="200" @keydown=${(e: KeyboardEvent) => this._onRenameKey(e, chat.id)} @blur=${(e: FocusEvent) => this._onRenameBlur(e, chat.id)} />`
          : html`<button type="button" class="open" aria-current=${chat.id === this.currentId ? "true" : "false"} @click=${() => this._emit("oc-select", chat.id)}>${title}</button>`}
        <button type="button" class="icon rename" aria-label=${s.rename(title)} title=${s.rename(title)} @click=${() => this._onStartRename(chat.id)}>${icons.edit}</button>
        <button type="button" class="icon delete" aria-label=${s.remove(title)} title=${s.remove(title)} @click=${() => this._onDelete(chat.id)}>${icons.trash}</button>
      </li>`;
    }

    /** The confirm step in place of the row: the question and explicit Delete / Cancel buttons. */
    private _renderConfirm(chatId: string, title: string) {
      const s = this.strings;
      return html`<li part="chat-item" class="confirm" @keydown=${(e: KeyboardEvent) => this._onConfirmKey(e, chatId)}>
        <p id="confirm-question">${s.confirmRemoveQuestion(title)}</p>
        <div role="group" aria-labelledby="confirm-question">
          <button type="button" class="danger yes" part="confirm-delete-button" @click=${() => this._onConfirm(chatId)}>${s.confirmRemoveYes}</button>
          <button type="button" class="cancel" part="cancel-delete-button" @click=${() => this._onCancel(chatId)}>${s.cancel}</button>
        </div>
      </li>`;
    }

    private _emit(type: string, detail?: unknown): void {
      this.dispatchEvent(new CustomEvent(type, { bubbles: true, detail }));
    }

    private async _onStartRename(chatId: string): Promise<void> {
      this._renaming = chatId;
      await this.updateComplete;
      const input = this.querySelector("input");
      input?.focus();
      input?.select();
    }

    /** Leaves the title field; focus goes back to the chat's rename button. */
    private async _finishRename(chatId: string, title: string, save: boolean): Promise<void> {
      this._renaming = null;
      if (save) this._emit("oc-rename", { chatId, title });
      await this.updateComplete;
      const index = this.chats.findIndex((c) => c.id === chatId);
      this.querySelectorAll<HTMLButtonElement>("li .rename")[index]?.focus();
    }

    private _onRenameKey(event: KeyboardEvent, chatId: string): void {
      if (event.key === "Enter") {
        event.preventDefault();
        void this._finishRename(chatId, (event.target as HTMLInputElement).value, true);
      } else if (event.key === "Escape") {
        event.preventDefault(); // handled here: `<open-chat>` does not close on it
        event.stopPropagation();
        void this._finishRename(chatId, "", false);
      }
    }

    private _onRenameBlur(event: FocusEvent, chatId: string): void {
      if (this._renaming !== chatId) return;
      this._renaming = null;
      this._emit("oc-rename", { chatId, title: (event.target as HTMLInputElement).value });
    }

    /** Asks first; focus goes to Cancel (the safe choice), which a stray Enter then presses. */
    private async _onDelete(chatId: string): Promise<void> {
      this._confirming = chatId;
      await this.updateComplete;
      this.querySelector<HTMLButtonElement>("li.confirm .cancel")?.focus();
    }

    private _onConfirm(chatId: string): void {
      this._confirming = null;
      this._emit("oc-delete", chatId);
    }

    /** Back to the row; focus returns to its delete button. */
    private async _onCancel(chatId: string): Promise<void> {
      this._confirming = null;
      await this.updateComplete;
      const index = this.chats.findIndex((c) => c.id === chatId);
      this.querySelectorAll<HTMLButtonElement>("li .delete")[index]?.focus();
    }

    private _onConfirmKey(event: KeyboardEvent, chatId: string): void {
      if (event.key !== "Escape") return;
      event.preventDefault(); // handled here: `<open-chat>` does not close on it
      event.stopPropagation();
      void this._onCancel(chatId);
    }
  };
}

/** Defines `<open-chat-list>` with the view's kit (once). */
export function defineChatList(kit: Kit): void {
  if (!customElements.get(CHAT_LIST_TAG)) customElements.define(CHAT_LIST_TAG, chatListClass(kit));
}

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-list": OpenChatList;
  }
}
