/**
 * The chat list of the side panel (list, rename, delete), as a reactive controller on the
 * same host as {@link ChatController}, whose client it uses. In the list's chunk (chat-list.ts):
 * made when the list first opens, then refreshed when a chat is created, renamed or deleted.
 */
import type { Chat } from "@open-chat/sdk";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { ChatController } from "./chat-controller.js";

export class ChatListController implements ReactiveController {
  chats: readonly Chat[] = [];
  loading = false;
  private loaded = false;
  private request = 0;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly chat: ChatController,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.loaded = false;
    this.chats = [];
  }

  /** Loads the list the first time it is shown. */
  ensure(): void {
    if (!this.loaded) void this.refresh();
  }

  /** Reloads the list when it was shown before (cheap to call after any change). */
  invalidate(): void {
    if (this.loaded) void this.refresh();
  }

  async refresh(): Promise<void> {
    const id = ++this.request;
    this.loading = true;
    this.host.requestUpdate();
    try {
      const client = await this.chat.ready();
      const page = await client.listChats({ limit: 100 });
      if (id !== this.request) return;
      this.chats = page.chats;
      this.loaded = true;
    } catch (error) {
      if (id === this.request) this.chat.report(error);
    } finally {
      if (id === this.request) {
        this.loading = false;
        this.host.requestUpdate();
      }
    }
  }

  async rename(chatId: string, title: string): Promise<void> {
    const trimmed = title.trim();
    if (!trimmed) return;
    try {
      const client = await this.chat.ready();
      const updated = await client.renameChat(chatId, trimmed);
      this.chats = this.chats.map((c) => (c.id === chatId ? updated : c));
      this.host.requestUpdate();
    } catch (error) {
      this.chat.report(error);
    }
  }

  async remove(chatId: string): Promise<void> {
    try {
      const client = await this.chat.ready();
      await client.deleteChat(chatId);
      this.chats = this.chats.filter((c) => c.id !== chatId);
      if (this.chat.chatId === chatId) this.chat.newChat();
      this.host.requestUpdate();
    } catch (error) {
      this.chat.report(error);
    }
  }
}
