/**
 * `<open-chat-message>`: one transcript row. Given a `tail` and a `messageKey` it subscribes to
 * that message alone (`ChatTail.subscribeMessage`), so a token re-renders this row and nothing
 * else; given a `message` object it just renders it. Assistant text is markdown rendered block
 * by block (only the growing block changes while streaming). It renders into its parent's
 * shadow root (no shadow root of its own), so the view's styles and `::part()`s apply.
 *
 * Below the bubble, the meta row: the relative time (exact on hover and focus, kept current by
 * the page's one shared clock), the saved tick, and the actions (`part="actions"`: copy as
 * markdown; the version actions of message-actions.ts — ‹ 2/3 ›, Regenerate, 👍/👎, Edit).
 */
import type { ChatTail, TailMessage } from "@open-chat/sdk";
import { LitElement, html, nothing, type PropertyValues, type ReactiveController } from "lit";
import { onHighlighterReady } from "../markdown/highlight.js";
import { chunkStyles, gfmChunk, MarkdownBlocks, onGfmReady } from "../markdown/render.js";
import { MESSAGE_TAG } from "../common/names.js";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../common/strings.js";
import { clock, exactTime, relativeTime } from "../common/time.js";
import { keyOf } from "./completions.js";
import { copyText } from "./clipboard.js";
import { humanText } from "./failures.js";
import { icons } from "./icons.js";
import { adoptStyles } from "./kit.js";
import { messageActions } from "./message-actions.js";

/** Keeps `host.message` equal to the tail's message `host.messageKey` (per-message subscription). */
class MessageSubscription implements ReactiveController {
  private tail: ChatTail | undefined;
  private key = "";
  private stop: (() => void) | undefined;

  constructor(private readonly host: OpenChatMessage) {
    host.addController(this);
  }

  hostConnected(): void {
    this.sync();
  }

  hostUpdate(): void {
    this.sync();
  }

  hostDisconnected(): void {
    this.stop?.();
    this.stop = undefined;
    this.tail = undefined;
  }

  private sync(): void {
    const { tail, messageKey } = this.host;
    if (tail === this.tail && messageKey === this.key && (this.stop || !tail)) return;
    this.stop?.();
    this.stop = undefined;
    this.tail = tail;
    this.key = messageKey;
    if (!tail || !messageKey) return;
    this.host.message = tail.state.messages.find((m) => keyOf(m) === messageKey);
    this.stop = tail.subscribeMessage(messageKey, (message) => {
      this.host.message = message;
    });
  }
}

/**
 * @fires oc-retry - (internal, not composed) the Retry button; `detail` is the row's key.
 */
export class OpenChatMessage extends LitElement {
  static override properties = {
    tail: { attribute: false },
    messageKey: { attribute: false },
    message: { attribute: false },
    allowImages: { type: Boolean, attribute: "allow-images" },
    stalled: { type: Boolean },
    strings: { attribute: false },
    locale: {},
    _copied: { state: true },
    _when: { state: true },
  };

  declare tail: ChatTail | undefined;
  declare messageKey: string;
  declare message: TailMessage | undefined;
  declare allowImages: boolean;
  /** The answer streams but has had no event for a while: show "Reconnecting the answer…". */
  declare stalled: boolean;
  declare strings: OpenChatStrings;
  /** Locale of dates; default: the nearest `lang` (the view's `locale`), else the page's. */
  declare locale: string;
  declare private _copied: boolean;
  /** The relative time shown ("2 minutes ago"); a clock tick re-renders only when it changes. */
  declare private _when: string;

  private readonly _markdown = new MarkdownBlocks();
  private _off: Array<() => void> = [];

  constructor() {
    super();
    this.messageKey = "";
    this.allowImages = false;
    this.stalled = false;
    this.strings = DEFAULT_STRINGS;
    this.locale = "";
    this._copied = false;
    this._when = "";
    new MessageSubscription(this);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const rerender = () => {
      this._adoptChunkStyles();
      this._markdown.dropIncomplete();
      this.requestUpdate();
    };
    this._adoptChunkStyles();
    this._off = [onHighlighterReady(rerender), onGfmReady(rerender), clock.subscribe(() => (this._when = this._relativeTime()))];
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this._off) off();
    this._off = [];
  }

  /** The styles that come with the GFM and highlight.js chunks, into the shadow root this row renders in. */
  private _adoptChunkStyles(): void {
    for (const css of chunkStyles()) adoptStyles(this, css);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("allowImages") || changed.has("strings")) {
      this._markdown.configure({ allowImages: this.allowImages, imageLabel: this.strings.image, strings: this.strings });
    }
    this._when = this._relativeTime();
  }

  private _created(): Date | null {
    const created = this.message ? new Date(this.message.createdAt) : null;
    return created && !Number.isNaN(created.getTime()) ? created : null;
  }

  private _locale(): string | undefined {
    return this.locale || this.closest("[lang]")?.getAttribute("lang") || document.documentElement.lang || undefined;
  }

  private _relativeTime(): string {
    const created = this._created();
    return created ? relativeTime(created, clock.now(), this._locale()) : "";
  }

  protected override render() {
    const message = this.message;
    if (!message) return nothing;
    const s = this.strings;
    const role = message.role === "user" ? "user" : "assistant";
    const streaming = message.status === "streaming";
    const saved = role === "user" ? message.status !== "pending" && message.status !== "failed" : message.status === "completed" && message.text !== "";
    const copyLabel = this._copied ? s.copied : s.copy;
    return html`<article class="msg ${role} ${message.status}" part="message message-${role}" aria-busy=${streaming ? "true" : nothing} @click=${this._onContentClick}>
      <span class="sr-only">${role === "user" ? s.you : s.assistant}:</span>
      ${this._renderContent(message, streaming)}
      ${role === "assistant" && streaming
        ? html`<p class="stall" part="message-stalled" role="status" aria-live="polite">${this.stalled ? s.reconnectingAnswer : ""}</p>`
        : nothing}
      ${this._renderProblem(message)}
      <div class="meta" part="meta">
        ${this._renderTime()}
        ${saved
          ? html`<span class="saved" part="saved" title=${s.saved}>${icons.check}<span class="sr-only">${s.saved}</span></span>`
          : message.status === "pending"
            ? html`<span class="sending">${s.sending}</span>`
            : nothing}
        <div class="actions" part="actions">
          ${message.text
            ? html`<button type="button" class="icon" part="copy-button" aria-label=${copyLabel} title=${role === "user" ? copyLabel : s.copyMarkdown} @click=${this._onCopy}>
                ${this._copied ? icons.check : icons.copy}
              </button>`
            : nothing}
          ${messageActions(message, this.tail, s)}
        </div>
      </div>
    </article>`;
  }

  /** The bubble. An answer that ended empty says so ("No answer", "Stopped"); a failed one has only its problem row. */
  private _renderContent(message: TailMessage, streaming: boolean) {
    const typing = streaming ? html`<span class="typing" aria-hidden="true"><i></i><i></i><i></i></span>` : nothing;
    if (message.role === "user") return html`<div class="content" part="message-content"><p class="plain" dir="auto">${message.text}</p></div>`;
    if (message.text || streaming) return html`<div class="content" part="message-content"><div class="md" dir="auto">${this._markdown.render(message.text)}</div>${typing}</div>`;
    if (message.status === "error") return nothing;
    const empty = message.status === "stopped" ? this.strings.stopped : this.strings.noAnswer;
    return html`<div class="content" part="message-content"><p class="empty" part="message-empty">${empty}</p></div>`;
  }

  /** `<time>`: relative text; the exact time as its title (hover) and, focused, shown and read out. */
  private _renderTime() {
    const created = this._created();
    if (!created || !this._when) return nothing;
    const exact = exactTime(created, this._locale());
    return html`<time class="when" part="timestamp" datetime=${created.toISOString()} title=${exact} data-exact=${exact} aria-label=${`${this._when} (${exact})`} tabindex="0"
      >${this._when}</time
    >`;
  }

  private _renderProblem(message: TailMessage) {
    const s = this.strings;
    const code = (message.error as { code?: string } | undefined)?.code;
    let text: string;
    if (message.status === "failed") text = `${s.sendFailed}: ${humanText(code, s)}`;
    else if (message.status === "error") text = `${s.failed}: ${humanText(code, s)}`;
    else if (message.status === "stopped") text = message.text ? s.stopped : ""; // an empty bubble already says "Stopped"
    else return nothing;
    return html`<div class="problem">
      ${text ? html`<p part="message-error">${text}</p>` : nothing}
      <button type="button" class="retry" part="retry-button" @click=${this._onRetry}>${icons.retry}<span>${s.retry}</span></button>
    </div>`;
  }

  /** Buttons inside the rendered markdown: a code block's Copy, footnote links (scroll within this message, never the page's URL). */
  private async _onContentClick(event: Event): Promise<void> {
    const button = (event.target as Element).closest?.("button");
    if (!button || !this.contains(button)) return;
    if (button.dataset.fnGo) gfmChunk()?.goToFootnote(this, button); // only GFM makes footnote buttons
    else if (button.dataset.copyCode !== undefined) {
      const code = button.closest(".code-block")?.querySelector("pre")?.textContent ?? "";
      if (!(await copyText(code, this))) return;
      button.textContent = this.strings.copied;
      setTimeout(() => (button.textContent = this.strings.copyCode), 1500);
    }
  }

  private _onRetry(): void {
    if (this.message) this.dispatchEvent(new CustomEvent("oc-retry", { bubbles: true, detail: keyOf(this.message) }));
  }

  private async _onCopy(): Promise<void> {
    if (!this.message) return;
    if (await copyText(this.message.text, this)) {
      this._copied = true;
      setTimeout(() => (this._copied = false), 1500);
    }
  }
}

if (!customElements.get(MESSAGE_TAG)) customElements.define(MESSAGE_TAG, OpenChatMessage);

declare global {
  interface HTMLElementTagNameMap {
    "open-chat-message": OpenChatMessage;
  }
}
