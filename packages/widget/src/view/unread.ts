/**
 * Unread answers: those that end while the launcher panel is hidden. Each one bumps the count
 * and dispatches `open-chat:unread`; showing the panel resets the count silently (`<open-chat>`
 * announces the reset itself).
 */
import { emit, type OpenChatUnreadDetail } from "../common/events.js";
import { EVENTS } from "../common/names.js";

export class UnreadCounter {
  count = 0;
  private visible = true;

  constructor(private readonly host: EventTarget) {}

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.count = 0;
  }

  /** A new client or user: nothing is unread. */
  clear(): void {
    this.count = 0;
  }

  /** An answer ended: unread when the panel is hidden. */
  answerEnded(): void {
    if (this.visible) return;
    this.count++;
    emit<OpenChatUnreadDetail>(this.host, EVENTS.unread, { count: this.count });
  }
}
