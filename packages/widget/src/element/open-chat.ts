/**
 * `<open-chat>`: the public element, and the only code a page loads up front. It is a small
 * shell — attributes, methods, events, the launcher bubble with its unread badge, the panel —
 * that imports the full chat UI (`<open-chat-view>`, Lit + SDK + markdown: a chunk of its own)
 * only when the panel first opens, when `mode="inline"`, on `preload`, or when a method needs it.
 * The shell is a plain custom element on purpose: Lit then lives only in the lazy chunk, so it
 * is neither paid for before the launcher opens nor shipped twice.
 */
import { ATTRIBUTES, FORWARDED, type ForwardedProperty } from "../common/attributes.js";
import { emit, type OpenChatUnreadDetail } from "../common/events.js";
import { CLOSE_REQUEST, EVENTS, VIEW_PARTS, VIEW_TAG } from "../common/names.js";
import { launcherStrings } from "../common/launcher-strings.js";
import type { Localized } from "../common/locale.js";
import type { OpenChatStrings } from "../common/strings.js";
import type { OpenChatView } from "../view/open-chat-view.js";
import { parseStarterPrompts, STARTER_PROMPTS } from "./starter-prompts.js";
import { reflectAttributes } from "./properties.js";
import { adoptShellStyles } from "./styles.js";

const TEMPLATE = `<button class="launcher" part="launcher" type="button" aria-expanded="false" aria-controls="panel" aria-haspopup="dialog" title="" hidden>
<svg class="when-closed" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>
<svg class="when-open" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>
<span class="badge" part="badge" aria-hidden="true" hidden></span></button><div class="panel" part="panel" id="panel" title=""></div>`;

/**
 * An embeddable AI chat: every token is stored in a durable log before it is shown, so a reload,
 * a network drop or a closed tab loses nothing.
 *
 * @example
 * <script type="module" src="https://cdn.example.com/open-chat.js"></script>
 * <open-chat api="https://chat.example.com" title="Ask us"></open-chat>
 *
 * @fires open-chat:ready - The full element loaded and connected to the server; `detail.chatId`.
 * @fires open-chat:message - An assistant answer ended (completed, stopped or failed); `detail.message`.
 * @fires open-chat:error - A request failed or an answer failed; `detail.error`, `detail.code`.
 * @fires open-chat:open - The launcher panel opened.
 * @fires open-chat:close - The launcher panel closed.
 * @fires open-chat:unread - The unread count changed; `detail.count`.
 *
 * @csspart launcher - The floating launcher button (launcher mode).
 * @csspart badge - The unread badge on the launcher.
 * @csspart panel - The chat panel (floating in launcher mode, in flow in inline mode).
 * @csspart header - The panel header. Also: title, status, toggle-list-button, new-chat-button, close-button.
 * @csspart chat-list - The side panel with the chats. Also: chat-item.
 * @csspart transcript - The message log. Also: greeting, message, message-user, message-assistant,
 *   message-content, message-error, message-stalled ("Reconnecting the answer…"), saved, copy-button, retry-button.
 * @csspart composer - The message form. Also: input, send-button, stop-button, error (the error banner).
 *
 * @cssprop --open-chat-accent - Brand colour: launcher, send button, user messages.
 * @cssprop --open-chat-accent-text - Text and icons on the accent colour.
 * @cssprop --open-chat-background - Panel background.
 * @cssprop --open-chat-surface - Assistant messages, hovered controls.
 * @cssprop --open-chat-text - Text colour.
 * @cssprop --open-chat-muted - Secondary text (status, meta, placeholders).
 * @cssprop --open-chat-border - Borders and dividers.
 * @cssprop --open-chat-link - Links and code keywords.
 * @cssprop --open-chat-code-background - Code blocks and inline code.
 * @cssprop --open-chat-user-background - User messages (default: the accent).
 * @cssprop --open-chat-user-text - Text of user messages (default: accent text).
 * @cssprop --open-chat-danger - Errors, failed sends.
 * @cssprop --open-chat-success - The saved mark, the live dot.
 * @cssprop --open-chat-warning - The reconnecting dot.
 * @cssprop --open-chat-focus-ring - Focus outlines.
 * @cssprop --open-chat-badge-background - Unread badge.
 * @cssprop --open-chat-badge-text - Unread badge text.
 * @cssprop --open-chat-font-family - Font.
 * @cssprop --open-chat-font-size - Base font size (15px).
 * @cssprop --open-chat-radius - Corner radius of the panel and bubbles (14px).
 * @cssprop --open-chat-shadow - Shadow of the launcher and floating panel.
 * @cssprop --open-chat-offset - Launcher/panel distance from the viewport corner (20px).
 * @cssprop --open-chat-launcher-size - Launcher diameter (56px).
 * @cssprop --open-chat-z-index - Stacking of the launcher and panel (2147483000).
 * @cssprop --open-chat-width - Floating panel width (400px).
 * @cssprop --open-chat-height - Floating panel height (640px).
 * @cssprop --open-chat-inline-height - Height in inline mode (600px).
 */
export class OpenChatElement extends HTMLElement {
  static readonly observedAttributes = [...Object.keys(ATTRIBUTES), STARTER_PROMPTS];

  declare api: string;
  declare publishableKey: string;
  declare chatId: string;
  declare placeholder: string;
  declare greeting: string;
  declare locale: string;
  declare theme: "light" | "dark" | "auto";
  declare userToken: string;
  declare allowImages: boolean;
  declare stallMs: string;
  declare preload: boolean;

  private readonly _root: ShadowRoot;
  private readonly _launcher: HTMLButtonElement;
  private readonly _badge: HTMLElement;
  private readonly _panel: HTMLElement;
  private _view: OpenChatView | null = null;
  private _mounting: Promise<OpenChatView> | null = null;
  private _strings: Partial<OpenChatStrings> | null = null;
  /** The locale tag asked for last, and what it got (its strings table, direction, Intl tag); null: plain English. */
  private _tag = "en";
  private _locale: Localized | null = null;
  /** `_strings` over the locale's table: what the shell shows and the view gets as `strings`. */
  private _localized: Partial<OpenChatStrings> | null = null;
  /** The identify() override of `user-token` ("" after reset(): a guest). */
  private _token: string | null = null;
  private _unread = 0;
  private _styled = false;

  constructor() {
    super();
    this._root = this.attachShadow({ mode: "open" });
    this._root.innerHTML = TEMPLATE;
    this._launcher = this._root.querySelector(".launcher")!;
    this._badge = this._root.querySelector(".badge")!;
    this._panel = this._root.querySelector(".panel")!;
    this._launcher.addEventListener("click", () => this.toggle());
    this._launcher.addEventListener("pointerenter", () => void importView().catch(() => {}), { once: true });
    this._launcher.addEventListener("focus", () => void importView().catch(() => {}), { once: true });
    this._root.addEventListener(CLOSE_REQUEST, () => this.close());
    this._root.addEventListener(EVENTS.unread, (event) => this._onUnread(event as CustomEvent<OpenChatUnreadDetail>));
    this.addEventListener("keydown", (event) => this._onKeydown(event));
  }

  /** Launcher mode (default) shows a floating bubble; inline mode fills the element. */
  get mode(): "inline" | "launcher" {
    return this.getAttribute("mode") === "inline" ? "inline" : "launcher";
  }
  set mode(value: "inline" | "launcher") {
    this.setAttribute("mode", value);
  }

  /** Whether the launcher panel is open (the `open` attribute). Inline mode is always open. */
  get isOpen(): boolean {
    return this.mode === "inline" || this.hasAttribute("open");
  }
  set isOpen(value: boolean) {
    this.toggleAttribute("open", value);
  }

  /** Answers that ended while the launcher panel was closed. */
  get unread(): number {
    return this._unread;
  }

  /**
   * Chips shown on an empty chat; a click sends the chip's text. Reflects the `starter-prompts`
   * attribute (a JSON array of strings). Setting anything but an array of strings throws.
   */
  get starterPrompts(): string[] {
    return parseStarterPrompts(this.getAttribute(STARTER_PROMPTS));
  }
  set starterPrompts(value: readonly string[] | null) {
    if (value === null || value === undefined) {
      this.removeAttribute(STARTER_PROMPTS);
      return;
    }
    if (!Array.isArray(value) || value.some((prompt) => typeof prompt !== "string")) {
      throw new TypeError("open-chat: invalid_starter_prompts: starterPrompts takes an array of strings");
    }
    this.setAttribute(STARTER_PROMPTS, JSON.stringify(value));
  }

  /** Override any user-visible text (merged over the locale's table, else the English defaults). */
  get strings(): Partial<OpenChatStrings> | null {
    return this._strings;
  }
  set strings(value: Partial<OpenChatStrings> | null) {
    this._strings = value;
    this._localize();
  }

  connectedCallback(): void {
    if (!this._styled) {
      adoptShellStyles(this._root, this.nonce ?? "");
      this._styled = true;
    }
    this._sync();
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null): void {
    if (before === after) return;
    if (name === "open" && this.isConnected && this.mode === "launcher") this._onOpenChanged(after !== null);
    else if (name === "user-token") void this.identify(after ?? "").catch(() => {});
    this._sync();
  }

  /** Opens the launcher panel (loads the full element the first time). */
  open(): void {
    this.isOpen = true;
  }

  /** Closes the launcher panel; focus returns to the launcher. */
  close(): void {
    if (this.mode === "launcher") this.isOpen = false;
  }

  toggle(): void {
    if (this.mode === "launcher") this.isOpen = !this.isOpen;
  }

  /** Sends a message as the user (creating a chat if needed); resolves when the server accepted it. */
  async send(text: string) {
    return (await this._mount()).send(text);
  }

  /** Starts a new conversation (created on its first message). */
  async newChat(): Promise<void> {
    (await this._mount()).newChat();
  }

  /**
   * Logs out: signs the session out on the server and forgets its token, cached transcripts,
   * queued sends and the current chat; the next message starts a new guest. Loads the full
   * element if needed (signing out takes the SDK).
   */
  async reset(): Promise<void> {
    this._token = ""; // a guest from now on, whatever `user-token` says, until the next identify()
    this._setUnread(0);
    if (this.api) await (await this._mount()).reset();
  }

  /**
   * Signs in as your site's verified user: `token` is a short-lived JWT your backend signed. A
   * guest's chats become the user's. Before the full element has loaded, the token waits for it.
   */
  async identify(token: string): Promise<void> {
    this._token = token;
    this._setUnread(0);
    if (this._view) await this._view.identify(token);
  }

  private _sync(): void {
    this._loadLocale(this._localeTag());
    const locale = this._locale;
    const s = launcherStrings(this._localized);
    const launcher = this.mode === "launcher";
    const open = this.isOpen;
    const label = launcher && open ? s.closeChat : this._unread > 0 ? `${s.openChat}, ${s.unread(this._unread)}` : s.openChat;
    this._launcher.hidden = !launcher;
    this._launcher.setAttribute("aria-expanded", String(launcher && open));
    this._launcher.setAttribute("aria-label", label);
    this._badge.hidden = !(launcher && !open && this._unread > 0);
    this._badge.textContent = this._unread > 99 ? `${(99).toLocaleString(locale?.intl)}+` : this._unread.toLocaleString(locale?.intl);
    this._panel.className = `panel ${launcher ? "launcher-mode" : "inline-mode"}`;
    this._panel.hidden = !open;
    this._panel.setAttribute("role", launcher ? "dialog" : "region");
    this._panel.setAttribute("aria-label", this.getAttribute("title") || s.title);
    if (this.locale) this._panel.setAttribute("lang", this.locale);
    else this._panel.removeAttribute("lang");
    this._panel.dir = locale?.rtl ? "rtl" : "ltr";
    if (this._view) this._forward(this._view);
    if (this.isConnected && (open || this.preload)) void this._mount().catch(() => {});
  }

  private _forward(view: OpenChatView): void {
    const settings = view as unknown as Record<ForwardedProperty, string | boolean>;
    for (const [attribute, property, boolean] of FORWARDED) settings[property] = boolean ? this.hasAttribute(attribute) : (this.getAttribute(attribute) ?? "");
    view.userToken = this._token ?? this.getAttribute("user-token") ?? "";
    view.mode = this.mode;
    view.opened = this.isOpen;
    view.strings = this._localized;
    view.locale = this._localeTag(); // the effective one, for Intl dates and numbers
    view.starterPrompts = this.starterPrompts;
  }

  /** The locale: `locale`, else the nearest `lang` (the element's own, else the page's `<html lang>`), else English. */
  private _localeTag(): string {
    return this.locale || this.closest("[lang]")?.getAttribute("lang") || "en";
  }

  /**
   * Loads what `tag` gets (common/locale.ts, a chunk of its own, and the tag's strings table)
   * unless it is the current tag. A locale that fails to load leaves the texts as they are.
   */
  private _loadLocale(tag: string): void {
    if (tag === this._tag) return;
    this._tag = tag;
    import("../common/locale.js")
      .then((m) => m.localize(tag))
      .then((locale) => this._tag === tag && ((this._locale = locale), this._localize()), () => {});
  }

  private _localize(): void {
    const { _strings: overrides } = this;
    const table = this._locale?.strings;
    this._localized = table ? { ...table, ...overrides, status: { ...table.status, ...overrides?.status } } : overrides;
    this._sync();
  }

  /** Loads and mounts the full view once. */
  private _mount(): Promise<OpenChatView> {
    this._mounting ??= (async () => {
      const status = document.createElement("p");
      status.className = "loading";
      status.setAttribute("role", "status");
      status.textContent = launcherStrings(this._localized).loading;
      this._panel.replaceChildren(status);
      const nonce = this.nonce;
      if (nonce) (globalThis as { litNonce?: string }).litNonce ??= nonce; // Lit's <style> fallback
      await importView();
      const view = document.createElement(VIEW_TAG);
      view.setAttribute("exportparts", VIEW_PARTS.join(", "));
      this._view = view;
      this._forward(view);
      this._panel.replaceChildren(view);
      if (this.mode === "launcher" && this.isOpen) void view.focusInput();
      return view;
    })();
    this._mounting.catch((error: unknown) => {
      this._mounting = null;
      const failure = error instanceof Error ? error : new Error(String(error));
      const status = this._panel.querySelector(".loading");
      if (status) status.textContent = launcherStrings(this._localized).loadFailed;
      emit(this, EVENTS.error, { error: failure, code: "load_failed" });
    });
    return this._mounting;
  }

  private _onOpenChanged(open: boolean): void {
    if (!open && this.matches(":focus-within")) this._launcher.focus(); // before the panel hides
    if (open) this._setUnread(0);
    emit(this, open ? EVENTS.open : EVENTS.close);
    if (open && this._view) void this._view.focusInput();
  }

  private _onKeydown(event: KeyboardEvent): void {
    if (event.key !== "Escape" || event.defaultPrevented || this.mode !== "launcher" || !this.isOpen) return;
    event.preventDefault();
    this.close();
    this._launcher.focus();
  }

  private _onUnread(event: CustomEvent<OpenChatUnreadDetail>): void {
    this._unread = event.detail.count;
    this._sync();
  }

  private _setUnread(count: number): void {
    if (count === this._unread) return;
    this._unread = count;
    emit(this, EVENTS.unread, { count });
    this._sync();
  }
}

/** The lazily loaded chunk with the full UI (kept as one literal import for bundlers). */
function importView(): Promise<unknown> {
  return import("../view/open-chat-view.js");
}

reflectAttributes(OpenChatElement);
