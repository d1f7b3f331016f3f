/**
 * The shell's stylesheet: theme tokens (public `--open-chat-*` custom properties → private
 * `--_oc-*` ones the view uses, with light and dark defaults), the launcher bubble, its badge
 * and the panel (floating, full-screen on small viewports, or inline).
 */

const LIGHT = `
  --_oc-accent: var(--open-chat-accent, #2563eb);
  --_oc-accent-text: var(--open-chat-accent-text, #ffffff);
  --_oc-bg: var(--open-chat-background, #ffffff);
  --_oc-surface: var(--open-chat-surface, #f3f4f6);
  --_oc-text: var(--open-chat-text, #111827);
  --_oc-muted: var(--open-chat-muted, #4b5563);
  --_oc-border: var(--open-chat-border, #d1d5db);
  --_oc-link: var(--open-chat-link, #1d4ed8);
  --_oc-code-bg: var(--open-chat-code-background, #f6f8fa);
  --_oc-user-bg: var(--open-chat-user-background, var(--_oc-accent));
  --_oc-user-text: var(--open-chat-user-text, var(--_oc-accent-text));
  --_oc-danger: var(--open-chat-danger, #b91c1c);
  --_oc-success: var(--open-chat-success, #15803d);
  --_oc-warning: var(--open-chat-warning, #a16207);
  --_oc-focus: var(--open-chat-focus-ring, #2563eb);
  color-scheme: light;`;

const DARK = `
  --_oc-accent: var(--open-chat-accent, #60a5fa);
  --_oc-accent-text: var(--open-chat-accent-text, #0b1220);
  --_oc-bg: var(--open-chat-background, #111827);
  --_oc-surface: var(--open-chat-surface, #1f2937);
  --_oc-text: var(--open-chat-text, #f9fafb);
  --_oc-muted: var(--open-chat-muted, #d1d5db);
  --_oc-border: var(--open-chat-border, #4b5563);
  --_oc-link: var(--open-chat-link, #93c5fd);
  --_oc-code-bg: var(--open-chat-code-background, #0b1220);
  --_oc-danger: var(--open-chat-danger, #fca5a5);
  --_oc-success: var(--open-chat-success, #86efac);
  --_oc-warning: var(--open-chat-warning, #fde047);
  --_oc-focus: var(--open-chat-focus-ring, #93c5fd);
  color-scheme: dark;`;

export const shellCss = `
:host {${LIGHT}
  --_oc-font: var(--open-chat-font-family, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_oc-font-size: var(--open-chat-font-size, 15px);
  --_oc-radius: var(--open-chat-radius, 14px);
  --_oc-shadow: var(--open-chat-shadow, 0 12px 40px rgb(0 0 0 / 0.22));
  --_oc-offset: var(--open-chat-offset, 20px);
  --_oc-size: var(--open-chat-launcher-size, 56px);
  display: block;
  font-family: var(--_oc-font);
}
:host([theme="dark"]) {${DARK}
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) {${DARK}
  }
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
.launcher {
  position: fixed;
  right: var(--_oc-offset);
  bottom: var(--_oc-offset);
  z-index: var(--open-chat-z-index, 2147483000);
  display: grid;
  place-items: center;
  width: var(--_oc-size);
  height: var(--_oc-size);
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: var(--_oc-accent);
  color: var(--_oc-accent-text);
  box-shadow: var(--_oc-shadow);
  cursor: pointer;
  transition: transform 0.15s ease;
}
.launcher:hover { transform: scale(1.05); }
.launcher:focus-visible { outline: 3px solid var(--_oc-focus); outline-offset: 3px; }
.launcher svg { width: 26px; height: 26px; }
.launcher .when-open, .launcher[aria-expanded="true"] .when-closed { display: none; }
.launcher[aria-expanded="true"] .when-open { display: block; }
.badge {
  position: absolute;
  top: -4px;
  inset-inline-end: -4px;
  min-width: 22px;
  height: 22px;
  padding: 0 6px;
  border-radius: 11px;
  background: var(--open-chat-badge-background, #b91c1c);
  color: var(--open-chat-badge-text, #ffffff);
  font: 600 12px/22px var(--_oc-font);
  text-align: center;
}
.badge[hidden], .panel[hidden], .launcher[hidden] { display: none; }
.panel {
  overflow: hidden;
  background: var(--_oc-bg);
  color: var(--_oc-text);
  border: 1px solid var(--_oc-border);
  border-radius: var(--_oc-radius);
}
.panel.launcher-mode {
  position: fixed;
  right: var(--_oc-offset);
  bottom: calc(var(--_oc-offset) + var(--_oc-size) + 12px);
  z-index: var(--open-chat-z-index, 2147483000);
  width: min(var(--open-chat-width, 400px), calc(100vw - 2 * var(--_oc-offset)));
  height: min(var(--open-chat-height, 640px), calc(100vh - var(--_oc-size) - 3 * var(--_oc-offset)));
  box-shadow: var(--_oc-shadow);
  animation: oc-pop 0.16s ease-out;
}
.panel.inline-mode { position: relative; height: var(--open-chat-inline-height, 600px); }
/* The corner follows the page's direction; the panel's own \`dir\` (its locale's) only mirrors its contents. */
:host(:dir(rtl)) .launcher { right: auto; left: var(--_oc-offset); }
@media (min-width: 481px) {
  :host(:dir(rtl)) .panel.launcher-mode { right: auto; left: var(--_oc-offset); }
}
@media (max-width: 480px) {
  .panel.launcher-mode { inset: 0; width: auto; height: auto; border: 0; border-radius: 0; }
}
@keyframes oc-pop { from { transform: translateY(8px); } }
.loading { display: grid; place-items: center; height: 100%; margin: 0; color: var(--_oc-muted); }
@media (prefers-reduced-motion: reduce) {
  .launcher, .panel.launcher-mode { animation: none; transition: none; }
  .launcher:hover { transform: none; }
}
`;

let shared: CSSStyleSheet | null = null;

/** Adopts the shell stylesheet (one constructable sheet per page), or falls back to a `<style nonce>`. */
export function adoptShellStyles(root: ShadowRoot, nonce: string): void {
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    if (!shared) {
      shared = new CSSStyleSheet();
      shared.replaceSync(shellCss);
    }
    root.adoptedStyleSheets = [shared];
    return;
  }
  const style = document.createElement("style");
  if (nonce) style.nonce = nonce;
  style.textContent = shellCss;
  root.prepend(style);
}
