/**
 * The end user's credits in `<open-chat-view>`: the balance in the header, an "Add credits"
 * button (when the site allows top-ups) that opens Stripe Checkout in a new tab, and the "out of
 * credits" state when a send is refused with `402 insufficient_credits` (the text goes back into
 * the composer, the notice explains, and offers the top-up amounts).
 *
 * Its own chunk: the view loads it only when `GET /v1/billing` says billing is on and the user
 * has an account, so sites without billing never download it. For the same reason it imports
 * nothing at run time: Lit's `html` comes from the view, its styles are a constructed sheet
 * (allowed under a strict CSP, like Lit's own).
 */
import type { BillingState, ChatClient, PendingMessage } from "@open-chat/sdk";
import type { html as litHtml, TemplateResult } from "lit";
import type { OpenChatStrings } from "../common/strings.js";

/** What of the view the billing UI works with. */
export interface BillingHost extends HTMLElement {
  readonly chat: { readonly client: ChatClient | null; readonly chatId: string | null; readonly tail: { readonly state: { readonly pending: readonly PendingMessage[] } } | null; dismissError(): void };
  readonly strings: Partial<OpenChatStrings> | null;
  requestUpdate(): void;
}

/** The texts, each replaceable through the element's `strings` property under the same key. */
const TEXTS: Required<Pick<OpenChatStrings, "balance" | "addCredits" | "outOfCredits" | "topUpOpened" | "topUpFailed">> = {
  balance: "Credits",
  addCredits: "Add credits",
  outOfCredits: "You are out of credits. Add credits to keep chatting; your message is still in the box below.",
  topUpOpened: "Checkout opened in a new tab. Your credits appear here once the payment is confirmed.",
  topUpFailed: "Could not open the checkout. Please try again.",
};
type Text = keyof typeof TEXTS;

const CSS = `
.oc-balance{font-size:.8em;color:var(--_oc-muted);white-space:nowrap}
.oc-balance.out{color:var(--_oc-danger)}
.oc-add{font:inherit;font-size:.8em;padding:2px 8px;border:1px solid currentColor;border-radius:999px;background:none;color:inherit;cursor:pointer}
.oc-credits{margin:8px 10px 0;padding:8px 10px;border:1px solid var(--_oc-danger);border-radius:calc(var(--_oc-radius)/2)}
.oc-credits.info{border-color:var(--_oc-muted)}
.oc-credits p{margin:0 0 6px}
.oc-amounts{display:flex;gap:6px;flex-wrap:wrap}
.oc-amounts button{font:inherit;padding:4px 12px;border:1px solid currentColor;border-radius:999px;background:none;color:inherit;cursor:pointer}
.oc-amounts button:disabled{opacity:.5;cursor:default}
`;

export function billing(host: BillingHost, html: typeof litHtml): BillingUi {
  return new BillingUi(host, html);
}

export class BillingUi {
  state: BillingState | null = null;
  /** A send was refused for lack of credits (or the account has none left). */
  out = false;
  /** The amounts are shown (Add credits clicked). */
  picking = false;
  /** A short line under the amounts: checkout opened, or failed. */
  note: Text | null = null;
  private busy = false;

  constructor(
    private readonly host: BillingHost,
    private readonly html: typeof litHtml,
  ) {
    const root = host.shadowRoot;
    if (root) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }
    host.addEventListener("open-chat:error", (event) => {
      if (event.detail.code !== "insufficient_credits") return;
      this.refused();
      void this.refresh();
    });
    // An answer settled (the balance changed), another user signed in, or the user came back
    // from the Checkout tab.
    for (const type of ["open-chat:message", "open-chat:ready"]) host.addEventListener(type, () => void this.refresh());
    window.addEventListener("focus", () => void this.refresh());
  }

  /** A new answer of `GET /v1/billing`. */
  set(state: BillingState): void {
    const first = this.state === null;
    const before = this.state?.account?.availableMicroUsd;
    this.state = state;
    const available = state.account?.availableMicroUsd;
    // Out when nothing is left; back in after a top-up. A refusal with credit left (the site's
    // account or a daily limit) stays out until the balance grows.
    if (available === undefined || !state.enabled) this.out = false;
    else if (available <= 0) this.out = true;
    else if (before !== undefined && available > before) this.out = false;
    // Loaded because a send was just refused for lack of credits: that refusal is handled here.
    if (first && this.failedSend()) this.refused();
    this.host.requestUpdate();
  }

  async refresh(): Promise<void> {
    const client = this.host.chat.client;
    if (!client) return;
    try {
      this.set(await client.billing());
    } catch {
      // Offline or refused: keep what is shown.
    }
  }

  /** The header's part: the balance and the Add credits button. */
  header(): TemplateResult | undefined {
    const account = this.state?.enabled ? this.state.account : null;
    if (!account) return undefined;
    const html = this.html;
    return html`<span class="oc-balance ${this.out ? "out" : ""}" part="balance" title=${this.text("balance")}>${usd(account.availableMicroUsd)}</span>${this.canTopUp()
      ? html`<button type="button" class="oc-add" part="add-credits-button" aria-expanded=${this.picking || this.out ? "true" : "false"} @click=${() => this.togglePicking()}>${this.text("addCredits")}</button>`
      : undefined}`;
  }

  /** Above the composer: the out-of-credits notice and/or the amounts to top up. */
  banner(): TemplateResult | undefined {
    if (!this.state?.enabled || !this.state.account) return undefined;
    const showAmounts = this.canTopUp() && (this.out || this.picking);
    if (!this.out && !showAmounts) return undefined;
    const html = this.html;
    return html`<div class="oc-credits ${this.out ? "" : "info"}" part="credits" role=${this.out ? "alert" : "group"} aria-label=${this.text("addCredits")}>
      ${this.out ? html`<p part="out-of-credits">${this.text("outOfCredits")}</p>` : undefined}
      ${showAmounts
        ? html`<div class="oc-amounts">${this.state.topUps.amountsUsd.map(
            (amount) => html`<button type="button" part="top-up-button" ?disabled=${this.busy} @click=${() => void this.topUp(amount)}>+ $${amount}</button>`,
          )}</div>`
        : undefined}
      ${this.note ? html`<p part="credits-note" role="status">${this.text(this.note)}</p>` : undefined}
    </div>`;
  }

  private canTopUp(): boolean {
    return !!this.state?.topUps.enabled && this.state.topUps.amountsUsd.length > 0;
  }

  private togglePicking(): void {
    this.picking = !this.picking;
    this.note = null;
    this.host.requestUpdate();
  }

  /**
   * Opens Checkout in a new tab. The tab is opened at once, in the click (a tab opened after an
   * await is a popup browsers block), and sent to Checkout when the server answered.
   */
  private async topUp(amountUsd: number): Promise<void> {
    const client = this.host.chat.client;
    if (!client || this.busy) return;
    const tab = window.open("about:blank", "_blank");
    if (tab) tab.opener = null;
    this.busy = true;
    this.note = null;
    this.host.requestUpdate();
    try {
      const url = webAddress((await client.checkout(amountUsd, location.href)).url);
      if (tab) tab.location.href = url;
      else window.open(url, "_blank", "noopener");
      this.note = "topUpOpened";
      this.picking = false;
    } catch {
      tab?.close();
      this.note = "topUpFailed";
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  /** A send was refused with 402: its text back into the composer, the failed row and the banner replaced by the notice. */
  private refused(): void {
    this.out = true;
    this.note = null;
    const chat = this.host.chat;
    const view = this.host as unknown as { _draft: string };
    const last = this.failedSend();
    if (last && chat.client && chat.chatId) {
      if (!view._draft.trim()) view._draft = last.text;
      chat.client.dismiss(chat.chatId, last.clientId);
    }
    chat.dismissError();
    this.host.requestUpdate();
  }

  /** The last send refused with `402 insufficient_credits` still shown as a failed message. */
  private failedSend(): PendingMessage | undefined {
    const failed = this.host.chat.tail?.state.pending.filter((m) => m.status === "failed" && (m.error as { code?: string } | undefined)?.code === "insufficient_credits") ?? [];
    return failed[failed.length - 1];
  }

  private text(key: Text): string {
    return this.host.strings?.[key] ?? TEXTS[key];
  }
}

/**
 * µUSD as dollars: whole cents with 2 decimals, else 4, cut (never rounded up: $0.99996 left shows
 * as $0.9999). Negative after a refund.
 */
export function usd(microUsd: number): string {
  const abs = Math.abs(microUsd);
  const shown = abs % 10_000 === 0 ? (abs / 1_000_000).toFixed(2) : (Math.floor(abs / 100) / 10_000).toFixed(4);
  return `${microUsd < 0 ? "-" : ""}$${shown}`;
}

/**
 * The Checkout address, only if it is a web address: the blank tab shares this page's origin, so
 * a `javascript:` (or `data:`) answer would run in it, next to the page's stored tokens.
 */
export function webAddress(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new TypeError(`not a web address: ${parsed.protocol}`);
  return parsed.href;
}
