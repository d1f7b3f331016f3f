/** Shared helpers of the browser suites: the real server's URL, scripted replies, waiting, shadow queries. */
import type { ChatMessage } from "@open-chat/shared";
import type { OpenChatElement } from "../../src/element/open-chat.js";
import type { OpenChatMessage } from "../../src/view/open-chat-message.js";
import type { OpenChatView } from "../../src/view/open-chat-view.js";

let config: Promise<{ api: string }> | undefined;

/** The URL of the real Open Chat server the test runner started. */
export async function serverUrl(): Promise<string> {
  config ??= fetch("/__open-chat/config.json").then((r) => r.json() as Promise<{ api: string }>);
  return (await config).api;
}

let site: Promise<{ api: string; publishableKey: string }> | undefined;

/** A second real server that serves a site (tenant) whose allowed origin is this page's, with its publishable key. */
export async function siteServer(): Promise<{ api: string; publishableKey: string }> {
  site ??= fetch("/__open-chat/site.json").then((r) => r.json() as Promise<{ api: string; publishableKey: string }>);
  return site;
}

/** What the site's backend gives its page for a signed-in user: a JWT of `sub`, signed with the site's secret. */
export async function userToken(sub: string): Promise<string> {
  const response = await fetch(`/__open-chat/user-token?sub=${encodeURIComponent(sub)}`, { cache: "no-store" });
  return ((await response.json()) as { token: string }).token;
}

async function gate(action: string): Promise<{ released: string }> {
  const response = await fetch(`/__model-gate/${action}`, { cache: "no-store" });
  if (!response.ok) throw new Error(`/__model-gate/${action}: HTTP ${response.status}`);
  return response.json() as Promise<{ released: string }>;
}

/**
 * The model gate between the test server and its model (web-test-runner.config.mjs): while it
 * holds, a streamed answer advances only as far as the test releases it, on any machine. A suite
 * that holds it re-opens it in `afterEach`, so a failed test never leaves the next one's answer held.
 */
export const modelGate = {
  /** From now on the model's streamed replies wait in the gate; the released text starts over. */
  hold: async (): Promise<void> => void (await gate("hold")),
  /** Relays until at least `chars` characters of answer text have passed since `hold()`, then holds again; resolves with that text. */
  release: async (chars: number): Promise<string> => (await gate(`release?chars=${chars}`)).released,
  /** Relays everything held and everything that follows; stops holding. */
  open: async (): Promise<void> => void (await gate("open")),
};

/**
 * Resolves with `read()` at the first render of `element` (a change in its subtree) after which
 * `ready()` holds. It reads once the element and `also` have finished updating: a mutation
 * observer's callback and Lit's `updateComplete` are microtasks, so no timer of the page (a
 * stall timeout, say) can run between that change and the reading.
 */
export function atFirstRender<T>(element: Element & { updateComplete: Promise<unknown> }, ready: () => boolean, read: () => T, also: Array<{ updateComplete: Promise<unknown> }> = []): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (!ready()) return;
      observer.disconnect();
      void (async () => {
        for (const updating of [...also, element]) await updating.updateComplete;
        return read();
      })().then(resolve, reject);
    });
    observer.observe(element, { childList: true, subtree: true, characterData: true, attributes: true });
  });
}

/** A prompt that makes the test model answer with exactly `markdown`. */
export { scriptedMarkdown as scripted } from "@open-chat/testing/scripted";

/** Polls until `probe` returns a truthy value (returned), or fails after `timeout` ms. */
export async function until<T>(probe: () => T | null | undefined | false, timeout = 10_000, what = "condition"): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - started > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The mounted `<open-chat-view>` of an `<open-chat>` (waits for the lazy chunk). */
export async function viewOf(el: OpenChatElement): Promise<OpenChatView> {
  const view = await until(() => el.shadowRoot!.querySelector("open-chat-view"), 10_000, "the view to mount");
  await view.updateComplete;
  return view;
}

/** Query inside the view's shadow root. */
export function $<E extends Element = HTMLElement>(view: OpenChatView, selector: string): E | null {
  return view.shadowRoot!.querySelector<E>(selector);
}

export function $$<E extends Element = HTMLElement>(view: OpenChatView, selector: string): E[] {
  return [...view.shadowRoot!.querySelectorAll<E>(selector)];
}

/** Types into the composer and presses Enter. */
export async function type(view: OpenChatView, text: string): Promise<void> {
  const input = $<HTMLTextAreaElement>(view, "#input")!;
  input.focus();
  input.value = text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true }));
  await view.updateComplete;
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true, cancelable: true }));
  await view.updateComplete;
}

/** Rows of the transcript as `{ role, status, text }`. */
export function rows(view: OpenChatView) {
  return $$<OpenChatMessage>(view, "open-chat-message").map((row) => ({
    role: row.message?.role,
    status: row.message?.status,
    text: row.message?.text ?? "",
    element: row,
  }));
}

/** Waits for the last assistant row to end and returns it. */
export async function lastAnswer(view: OpenChatView, timeout = 15_000) {
  return until(
    () => {
      const last = rows(view).at(-1);
      return last?.role === "assistant" && last.status !== "streaming" ? last : null;
    },
    timeout,
    "the answer to end",
  );
}

/** A finished assistant message object, for rendering `<open-chat-message .message=…>` directly. */
export function assistant(text: string, status: ChatMessage["status"] = "completed"): ChatMessage {
  const at = new Date().toISOString();
  return { id: `m-${Math.random().toString(36).slice(2)}`, chatId: "c", role: "assistant", text, status, createdAt: at, updatedAt: at, parentId: null };
}
