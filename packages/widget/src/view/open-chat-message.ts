/**
 * `<open-chat-message>`: one transcript row. Given a `tail` and a `messageKey` it subscribes to
 * that message alone (`ChatTail.subscribeMessage`), so a token re-renders this row and nothing
 * else; given a `message` object it just renders it. Assistant text is markdown rendered block
 * by block (only the growing block changes while streaming). It renders into its parent's
 * shadow root (no shadow root of its own), so the view's styles and `::part()`s apply.
 */
import type { ChatTail, TailMessage } from "@open-chat/sdk";
import { LitElement, html, nothing, type PropertyValues, type ReactiveController } from "lit";
import { onHighlighterReady } from "../markdown/highlight.js";
import { MarkdownBlocks } from "../markdown/render.js";
import { MESSAGE_TAG } from "../common/names.js";
import { DEFAULT_STRINGS, type OpenChatStrings } from "../common/strings.js";
import { keyOf } from "./completions.js";
import { copyText } from "./clipboard.js";
import { icons } from "./icons.js";

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
    _copied: { state: true },
  };

  declare tail: ChatTail | undefined;
  declare messageKey: string;
  declare message: TailMessage | undefined;
  declare allowImages: boolean;
  /** The answer streams but has had no event for a while: show "Reconnecting the answer…". */
  declare stalled: boolean;
  declare strings: OpenChatStrings;
  declare private _copied: boolean;

  private readonly _markdown = new MarkdownBlocks();
  private _offHighlight: (() => void) | undefined;

  constructor() {
    super();
    this.messageKey = "";
    this.allowImages = false;
    this.stalled = false;
    this.strings = DEFAULT_STRINGS;
    this._copied = false;
    new MessageSubscription(this);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._offHighlight = onHighlighterReady(() => {
      this._markdown.rehighlight();
      this.requestUpdate();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._offHighlight?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("allowImages") || changed.has("strings")) {
      this._markdown.configure({ allowImages: this.allowImages, imageLabel: this.strings.image });
    }
  }

  protected override render() {
    const message = this.message;
    if (!message) return nothing;
    const s = this.strings;
    const role = message.role === "user" ? "user" : "assistant";
    const streaming = message.status === "streaming";
    const saved = role === "user" ? message.status !== "pending" && message.status !== "failed" : message.status === "completed";
    return html`<article class="msg ${role} ${message.status}" part="message message-${role}" aria-busy=${streaming ? "true" : "false"}>
      <span class="sr-only">${role === "user" ? s.you : s.assistant}:</span>
      <div class="content" part="message-content">
        ${role === "user" ? html`<p class="plain">${message.text}</p>` : html`<div class="md">${this._markdown.render(message.text)}</div>`}
        ${streaming ? html`<span class="typing" aria-hidden="true"><i></i><i></i><i></i></span>` : nothing}
      </div>
      ${role === "assistant" && streaming
        ? html`<p class="stall" part="message-stalled" role="status" aria-live="polite">${this.stalled ? s.reconnectingAnswer : ""}</p>`
        : nothing}
      ${this._renderProblem(message)}
      <div class="meta">
        ${saved
          ? html`<span class="saved" part="saved" title=${s.saved}>${icons.check}<span class="sr-only">${s.saved}</span></span>`
          : message.status === "pending"
            ? html`<span class="sending">${s.sending}</span>`
            : nothing}
        ${message.text
          ? html`<button type="button" class="icon" part="copy-button" aria-label=${this._copied ? s.copied : s.copy} title=${this._copied ? s.copied : s.copy} @click=${this._onCopy}>
              ${this._copied ? icons.check : icons.copy}
            </button>`
          : nothing}
      </div>
    </article>`;
  }

  private _renderProblem(message: TailMessage) {
    const s = this.strings;
    let text: string;
    if (message.status === "failed") text = `${s.sendFailed}: ${message.error?.message ?? ""}`;
    else if (message.status === "error") text = `${s.failed}: ${message.error?.message ?? ""}`;
    else if (message.status === "stopped") text = s.stopped;
    else return nothing;
    return html`<div class="problem">
      <p part="message-error">${text}</p>
      <button type="button" class="retry" part="retry-button" @click=${this._onRetry}>${icons.retry}<span>${s.retry}</span></button>
    </div>`;
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
