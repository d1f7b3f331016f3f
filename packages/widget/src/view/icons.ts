/** The few icons the view draws (inline SVG, `currentColor`, hidden from assistive tech). */
import { svg } from "lit";

const icon = (body: ReturnType<typeof svg>) =>
  svg`<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const icons = {
  menu: icon(svg`<path d="M4 6h16M4 12h16M4 18h16"/>`),
  plus: icon(svg`<path d="M12 5v14M5 12h14"/>`),
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18"/>`),
  send: icon(svg`<path d="M5 12h14M13 6l6 6-6 6"/>`),
  stop: icon(svg`<rect x="6" y="6" width="12" height="12" rx="2"/>`),
  copy: icon(svg`<rect x="9" y="9" width="11" height="11" rx="2"/><path d="M5 15V5a2 2 0 0 1 2-2h8"/>`),
  check: icon(svg`<path d="M5 12l5 5L20 7"/>`),
  retry: icon(svg`<path d="M4 4v6h6"/><path d="M20 12a8 8 0 1 1-2.3-5.7L20 8"/>`),
  edit: icon(svg`<path d="M4 20h4L19 9l-4-4L4 16v4z"/>`),
  trash: icon(svg`<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>`),
  // Drawn, not emoji: a machine without an emoji font would show empty boxes.
  thumbUp: icon(svg`<path d="M7 11v9H4v-9zM7 11l4-8a2 2 0 0 1 2 2v4h5a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 16.8 20H7"/>`),
  thumbDown: icon(svg`<path d="M7 13V4H4v9zM7 13l4 8a2 2 0 0 0 2-2v-4h5a2 2 0 0 0 2-2.3l-1.2-7A2 2 0 0 0 16.8 4H7"/>`),
};
