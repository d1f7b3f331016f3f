/**
 * `<open-chat-view>`: the full chat UI — header with the connection indicator, the collapsible
 * chat list, the transcript (`role="log"`), the composer and a polite live region that
 * announces each finished answer once. `<open-chat>` loads this module lazily (its own chunk)
 * and mounts the element in its shadow root; the live state lives in {@link ChatController}.
 */
import { isLocalChatId, type SendResult } from "@open-chat/sdk";
import { LIMITS } from "@open-chat/shared";
import { LitElement, html, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { forwardedViewProperties } from "../common/attributes.js";
import { CLOSE_REQUEST, EVENTS, VIEW_TAG } from "../common/names.js";
import { DEFAULT_STRINGS, resolveStrings, type OpenChatStrings } from "../common/strings.js";
import { renderBanner } from "./banner.js";
import type { BillingUi } from "./billing.js";
import { ChatController } from "./chat-controller.js";
import type { ChatListController } from "./chat-list-controller.js";
import { readDraft, writeDraft } from "./composer-draft.js";
import { icons } from "./icons.js";
import { loadChatList } from "./lazy-parts.js";
import "./open-chat-message.js";
import { dayBreaks } from "./day-separators.js";
import { messageStyles } from "./message-styles.js";
import { cleanPrompts, renderStarters } from "./starters.js";
import { viewStyles } from "./styles.js";

/** The server's limit on one message (`LIMITS.maxMessageTextLength`), enforced in the composer. */
const MAX_TEXT = LIMITS.maxMessageTextLength;
/** The composer shows its counter from this many characters on. */
const COUNTER_FROM = Math.floor(MAX_TEXT * 0.9);
/** Below this width (px) the chat list floats over the conversation instead of beside it (styles.ts's container query). */
const NARROW = 560;

export class OpenChatView extends LitElement {
  static override styles = [viewStyles, messageStyles];

  static override properties = {
    // api, publishableKey, chatId, heading, placeholder, greeting, locale, allowImages, stallMs
    ...forwardedViewProperties(),
    userToken: { attribute: false },
    mode: {},
    opened: { type: Boolean },
    strings: { attribute: false },
    starterPrompts: { attribute: false },
    _listOpen: { state: true },
    _draft: { state: true },
  };

  declare api: string;
  declare publishableKey: string;
  declare userToken: string;
  declare chatId: string;
  declare mode: "inline" | "launcher";
  declare opened: boolean;
  declare heading: string;
  declare placeholder: string;
  declare greeting: string;
  declare locale: string;
  declare allowImages: boolean;
  /** `stall-ms`: quiet time (ms) before a streaming answer shows "Reconnecting the answer…"; empty = 12000. */
  declare stallMs: string;
  declare strings: Partial<OpenChatStrings> | null;
  /** Chips on an empty chat; a click sends the chip's text. */
  declare starterPrompts: string[];
  declare private _listOpen: boolean;
  declare private _draft: string;

  private _strings: OpenChatStrings = DEFAULT_STRINGS;
  private _pinned = true;
  /** Which chat's stored draft `_draft` holds (`undefined`: none loaded yet; `null`: the new chat). */
  private _draftOf: { api: string; chatId: string | null } | undefined;
  private _resize: ResizeObserver | undefined;
  /** The credits UI (billing.ts, its own chunk), once `GET /v1/billing` said billing is on and the user has an account; null: it said no. */
  private _billing: BillingUi | null | undefined;

  readonly chat = new ChatController(this, {
    strings: () => this._strings,
    onChatsChanged: () => this.list?.invalidate(),
  });
  /** The chat list's state: with the list's chunk (lazy-parts.ts), from the list's first open. */
  list: ChatListController | undefined;

  constructor() {
    super();
    // The credits UI (billing.ts, its own chunk) once `GET /v1/billing` says billing is on and the
    // user has an account. Asked when a chat is shown, an answer ended or a request failed — not
    // before: asking would sign a first-time visitor in as a guest. Once loaded, it follows on its
    // own; after a no (billing off, or the site pays for everyone) the element does not ask again.
    const probe = () =>
      this._billing === undefined &&
      this.chat.chatId &&
      this.chat.client
        ?.billing()
        .then((state) => (state.account ? import("./billing.js").then((m) => (this._billing ??= m.billing(this, html)).set(state)) : (this._billing = null)))
        .catch(() => {});
    for (const type of [EVENTS.ready, EVENTS.message, EVENTS.error]) this.addEventListener(type, probe);
    this.api = "";
    this.publishableKey = "";
    this.userToken = "";
    this.chatId = "";
    this.mode = "inline";
    this.opened = false;
    this.heading = "";
    this.placeholder = "";
    this.greeting = "";
    this.locale = "";
    this.allowImages = false;
    this.stallMs = "";
    this.strings = null;
    this.starterPrompts = [];
    this._listOpen = false;
    this._draft = "";
  }

  /** Sends a message (creating a chat when none is shown); resolves when the server accepted it. */
  async send(text: string): Promise<SendResult | undefined> {
    const body = text.trim();
    if (!body) return undefined;
    if (body.length > MAX_TEXT) throw new RangeError(`open-chat: text_too_long: a message holds at most ${MAX_TEXT} characters (got ${body.length})`);
    return (await this.chat.queue(body)).accepted;
  }

  newChat(): void {
    this.chat.dismissError();
    this.chat.newChat();
    this.focusInput();
  }

  reset(): Promise<void> {
    if (this.list) this.list.chats = [];
    return this.chat.reset();
  }

  identify(token: string): Promise<void> {
    this.userToken = token;
    if (this.list) this.list.chats = [];
    return this.chat.identify(token);
  }

  /** The chat list's state, its chunk loaded first (as the list's first open does). */
  async chatList(): Promise<ChatListController> {
    const { ChatListController } = await loadChatList();
    return (this.list ??= new ChatListController(this, this.chat));
  }

  async focusInput(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLTextAreaElement>("#input")?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this._stickToBottom();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._resize?.disconnect();
    this._resize = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("strings")) this._strings = resolveStrings(this.strings);
    if (changed.has("api") || changed.has("publishableKey") || changed.has("userToken") || changed.has("chatId")) {
      this.chat.configure({ api: this.api, publishableKey: this.publishableKey, userToken: this.userToken, chatId: this.chatId });
    }
    if (changed.has("stallMs")) this.chat.setStallMs(this.stallMs === "" || this.stallMs === null ? Number.NaN : Number(this.stallMs));
    if (changed.has("opened") || changed.has("mode")) this.chat.setVisible(this.mode !== "launcher" || this.opened);
    this._loadDraft();
  }

  /**
   * Shows the stored draft of the chat on screen whenever that chat changes (select, new chat,
   * reload). A chat that only changed its id — the new chat got its local id on its first send,
   * then the server's — keeps what the user typed meanwhile.
   */
  private _loadDraft(): void {
    const chatId = this.chat.chatId;
    const before = this._draftOf;
    if (before && before.api === this.api && before.chatId === chatId) return;
    this._draftOf = { api: this.api, chatId };
    const renamed = before?.api === this.api && chatId !== null && (before.chatId === null ? isLocalChatId(chatId) : isLocalChatId(before.chatId));
    if (renamed && this._draft) {
      writeDraft(this.api, before.chatId, "");
      writeDraft(this.api, chatId, this._draft);
    } else this._draft = readDraft(this.api, chatId);
  }

  protected override firstUpdated(): void {
    this._stickToBottom();
  }

  /** The composer shows `_draft`, compared with what the field holds (what Lit's `live()` does, without its code). */
  protected override updated(): void {
    const input = this.renderRoot.querySelector<HTMLTextAreaElement>("#input");
    if (input && input.value !== this._draft) input.value = this._draft;
  }

  /** Keeps the transcript scrolled to the end while answers grow, unless the reader scrolled up. */
  private _stickToBottom(): void {
    const transcript = this.renderRoot.querySelector<HTMLElement>(".transcript");
    const messages = this.renderRoot.querySelector<HTMLElement>(".messages");
    if (!transcript || !messages || this._resize) return;
    this._resize = new ResizeObserver(() => {
      if (this._pinned) transcript.scrollTop = transcript.scrollHeight;
    });
    this._resize.observe(messages);
    this._resize.observe(transcript);
  }

  protected override render() {
    const s = this._strings;
    const chat = this.chat;
    const breaks = dayBreaks(chat.tail?.state.messages ?? [], this.locale || undefined);
    return html`<div class="view" lang=${this.locale || nothing}>
      <div class="header" part="header">
        <button type="button" class="icon" part="toggle-list-button" aria-label=${s.showChats} title=${s.showChats} aria-expanded=${this._listOpen ? "true" : "false"} aria-controls="chats" @click=${this._onToggleList}>
          ${icons.menu}
        </button>
        <h2 id="title" part="title">${this.heading || s.title}</h2>
        ${chat.status === "idle"
          ? nothing
          : html`<span class="status ${chat.status}" part="status"><span class="dot" aria-hidden="true"></span><span>${s.status[chat.status]}</span></span>`}
        ${this._billing?.header()}
        <button type="button" class="icon" part="new-chat-button" aria-label=${s.newChat} title=${s.newChat} @click=${this._onNewChat}>${icons.plus}</button>
        ${this.mode === "launcher"
          ? html`<button type="button" class="icon" part="close-button" aria-label=${s.closeChat} title=${s.closeChat} @click=${this._onClose}>${icons.close}</button>`
          : nothing}
      </div>
      <div class="body">
        ${this._listOpen ? this._renderList() : nothing}
        <div class="main">
          ${renderBanner(chat.error, s, () => chat.dismissError())}
          <div class="transcript" part="transcript" role="log" aria-live="off" aria-label=${s.transcript} tabindex="0" @scroll=${this._onScroll} @oc-retry=${this._onRetry}>
            <div class="messages">
              ${this.greeting && chat.keys.length === 0
                ? html`<div class="msg assistant"><div class="content" part="greeting"><p class="plain">${this.greeting}</p></div></div>`
                : nothing}
              ${chat.keys.length === 0 ? renderStarters(cleanPrompts(this.starterPrompts), s, (text) => this._sendText(text)) : nothing}
              ${repeat(
                chat.keys,
                (key) => key,
                (key) => html`${breaks.has(key) ? html`<div class="day" part="day-separator" role="separator" aria-label=${breaks.get(key)!}>${breaks.get(key)}</div>` : nothing}<open-chat-message .tail=${chat.tail} .messageKey=${key} .strings=${s} ?allow-images=${this.allowImages} .stalled=${chat.isStalled(key)}></open-chat-message>`,
              )}
            </div>
          </div>
          ${this._billing?.banner()}
          <form class="composer" part="composer" @submit=${this._onSubmit}>
            ${this._renderCounter()}
            <label for="input" class="sr-only">${s.message}</label>
            <textarea
              id="input"
              part="input"
              rows="1"
              enterkeyhint="send"
              placeholder=${this.placeholder || s.placeholder}
              aria-invalid=${this._draft.trim().length > MAX_TEXT ? "true" : "false"}
              aria-describedby=${this._draft.length >= COUNTER_FROM ? "counter" : nothing}
              @input=${this._onInput}
              @keydown=${this._onKeydown}
            ></textarea>
            ${chat.generating
              ? html`<button type="button" class="stop" part="stop-button" @click=${this._onStop}>${icons.stop}<span>${s.stop}</span></button>`
              : nothing}
            <button type="submit" class="send" part="send-button" aria-label=${s.send} title=${s.send} ?disabled=${!this._sendable()}>${icons.send}</button>
          </form>
          <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${chat.announcement}</div>
        </div>
      </div>
    </div>`;
  }

  /** Near the server's limit: "31,000 / 32,000"; over it: "Too long by 1,000 characters" (the text is kept, Send is off). */
  private _renderCounter() {
    const length = this._draft.trim().length;
    if (this._draft.length < COUNTER_FROM) return nothing;
    const over = length - MAX_TEXT;
    return html`<p id="counter" class="counter ${over > 0 ? "over" : ""}" part="counter">
      ${over > 0 ? this._strings.tooLong(over) : this._strings.characterCount(length, MAX_TEXT)}
    </p>`;
  }

  private _sendable(): boolean {
    const length = this._draft.trim().length;
    return length > 0 && length <= MAX_TEXT;
  }

  private _renderList() {
    return html`<open-chat-list
      .chats=${this.list?.chats ?? []}
      ?loading=${this.list?.loading ?? true}
      .currentId=${this.chat.chatId}
      .strings=${this._strings}
      @oc-new=${this._onNewChat}
      @oc-select=${(event: CustomEvent<string>) => this._onSelect(event.detail)}
      @oc-rename=${(event: CustomEvent<{ chatId: string; title: string }>) => void this.list?.rename(event.detail.chatId, event.detail.title)}
      @oc-delete=${(event: CustomEvent<string>) => void this.list?.remove(event.detail)}
    ></open-chat-list>`;
  }

  private _onToggleList(): void {
    this._listOpen = !this._listOpen;
    if (!this._listOpen) return;
    // <open-chat-list> upgrades when its chunk arrives; the list's state comes with it.
    this.chatList().then(
      (list) => list.ensure(),
      (error: unknown) => this.chat.report(error),
    );
  }

  private _onNewChat(): void {
    this.newChat();
  }

  private _onClose(): void {
    this.dispatchEvent(new CustomEvent(CLOSE_REQUEST, { bubbles: true }));
  }

  private _onSelect(chatId: string): void {
    this.chat.dismissError();
    this.chat.select(chatId);
    // Floating over the conversation (narrow panel): get out of the way once a chat is picked.
    if (this.getBoundingClientRect().width < NARROW) this._listOpen = false;
    void this.focusInput();
  }

  private _onScroll(event: Event): void {
    const transcript = event.currentTarget as HTMLElement;
    this._pinned = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 32;
  }

  private _onRetry(event: CustomEvent<string>): void {
    this._pinned = true;
    void this.chat.retry(event.detail);
  }

  private _onStop(): void {
    void this.chat.stop();
  }

  private _onInput(event: InputEvent): void {
    this._draft = (event.target as HTMLTextAreaElement).value;
    writeDraft(this.api, this.chat.chatId, this._draft);
  }

  private _onKeydown(event: KeyboardEvent): void {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this._submit();
    }
  }

  private _onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    this._submit();
  }

  private _submit(): void {
    if (!this._sendable()) return; // over the limit: keep the text, the counter says why
    const text = this._draft.trim();
    const chatId = this.chat.chatId;
    this._draft = "";
    writeDraft(this.api, chatId, "");
    void this._sendText(text).catch(() => {
      // Nothing was queued: give the text back, on screen and in storage.
      if (this._draft) return;
      this._draft = text;
      writeDraft(this.api, this.chat.chatId, text);
    });
  }

  /** Queues `text` (the composer's or a starter prompt's); once queued, the SDK's outbox keeps it. */
  private _sendText(text: string): Promise<unknown> {
    this._pinned = true;
    const queued = this.chat.queue(text);
    queued.catch(() => {}); // reported in the banner by the controller
    return queued;
  }
}

if (!customElements.get(VIEW_TAG)) customElements.define(VIEW_TAG, OpenChatView);

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-view": OpenChatView;
  }
}
