/**
 * `<open-chat-versions>`: "‹ 2/3 ›" under a message that has versions (a regenerated answer, an
 * edited question), and Regenerate under a completed answer (a stopped or failed one has Retry,
 * which regenerates too; pressed while another answer streams, it waits in the outbox like a
 * send). It follows the tail itself, cheaply (the current thread is cached per state): ‹ › are
 * disabled while an answer streams or a send waits, because the server refuses to switch
 * threads then. It re-renders only when that or the versions change, so a streaming answer
 * never touches the other rows' DOM. Part of the version actions' chunk (version-actions.ts),
 * which makes it render into the row (no shadow root of its own).
 */
import type { ChatMessage, ChatTail, MessageVersions, TailState } from "@open-chat/sdk";
import type { LitElement, PropertyValues } from "lit";
import type { OpenChatStrings } from "../common/strings.js";
import type { Kit } from "./kit.js";

const NONE: MessageVersions = { ids: [], index: -1 };

export interface OpenChatVersions extends LitElement {
  tail: ChatTail | undefined;
  message: ChatMessage | undefined;
  strings: OpenChatStrings;
}

export function versionsClass({ LitElement, html, nothing, icons, currentThread, requestVersionAction }: Kit): new () => OpenChatVersions {
  /** An answer is being written, or a send waits: no switching now. */
  const busy = (state: TailState) => state.pending.length > 0 || currentThread(state.log).at(-1)?.status === "streaming";

  return class OpenChatVersions extends LitElement {
    static override properties = {
      tail: { attribute: false },
      message: { attribute: false },
      strings: { attribute: false },
      _busy: { state: true },
      _versions: { state: true },
    };

    declare tail: ChatTail | undefined;
    declare message: ChatMessage | undefined;
    declare strings: OpenChatStrings;
    declare _busy: boolean;
    declare _versions: MessageVersions;
    _stop: (() => void) | undefined;
    _watched: ChatTail | undefined;

    constructor() {
      super();
      this._busy = false;
      this._versions = NONE;
    }

    override disconnectedCallback(): void {
      super.disconnectedCallback();
      this._unwatch();
    }

    protected override willUpdate(changed: PropertyValues<this>): void {
      if (this.tail !== this._watched || !this._stop) this._watch();
      if (changed.has("message") || changed.has("tail")) this._read(this.tail?.state);
    }

    _watch(): void {
      this._unwatch();
      this._watched = this.tail;
      if (this.tail && this.isConnected) this._stop = this.tail.subscribe((state) => this._read(state));
    }

    _unwatch(): void {
      this._stop?.();
      this._stop = undefined;
    }

    /** Re-renders only when the busy flag or this message's versions changed. */
    _read(state: TailState | undefined): void {
      if (!state || !this.message) return;
      this._busy = busy(state);
      const next = state.versions(this.message.id);
      const now = this._versions;
      if (next.index !== now.index || next.ids.length !== now.ids.length || next.ids.some((id, i) => id !== now.ids[i])) this._versions = next;
    }

    protected override render() {
      const message = this.message;
      const s = this.strings;
      if (!message || !s) return nothing;
      const { ids, index } = this._versions;
      const switcher =
        ids.length > 1
          ? html`<span class="versions" part="versions" role="group" aria-label=${s.versions}>
              <button type="button" class="icon" part="version-previous" aria-label=${s.previousVersion} title=${s.previousVersion} ?disabled=${this._busy || index <= 0} @click=${() => this._show(index - 1)}>‹</button>
              <span class="version-index" part="version-index"><span aria-hidden="true">${index + 1}/${ids.length}</span><span class="sr-only">${s.versionOf(index + 1, ids.length)}</span></span>
              <button type="button" class="icon" part="version-next" aria-label=${s.nextVersion} title=${s.nextVersion} ?disabled=${this._busy || index >= ids.length - 1} @click=${() => this._show(index + 1)}>›</button>
            </span>`
          : nothing;
      const regenerate =
        message.role === "assistant" && message.status === "completed"
          ? html`<button type="button" class="icon" part="regenerate-button" aria-label=${s.regenerate} title=${s.regenerate} @click=${this._onRegenerate}>${icons.retry}</button>`
          : nothing;
      return html`${switcher}${regenerate}`;
    }

    _show(position: number): void {
      const messageId = this._versions.ids[position];
      if (messageId !== undefined && !this._busy) requestVersionAction(this, { type: "select", messageId });
    }

    _onRegenerate(): void {
      if (this.message) requestVersionAction(this, { type: "regenerate", messageId: this.message.id });
    }
  };
}
