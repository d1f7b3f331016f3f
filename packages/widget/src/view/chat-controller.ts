/**
 * The live chat state of `<open-chat-view>`, as a Lit reactive controller (like lit's `Task`):
 * it owns the SDK client and the tail of the chat on screen, starts them in `hostConnected`,
 * closes them in `hostDisconnected`, and calls `requestUpdate()` only when what the view
 * renders changes — the list of messages, the "generating" flag, the connection status.
 * A message's own content is NOT here: each `<open-chat-message>` subscribes to its message,
 * so a token re-renders that one message only. Error text (failures.ts), unread counting
 * (unread.ts), answers gone quiet ("Reconnecting the answer…", stalls.ts), the client's
 * settings (client-config.ts) and the remembered chat (common/storage.ts) live in their own
 * modules.
 */
import { OpenChatError, isLocalChatId, type ChatClient, type ChatMessage, type ChatTail, type ConnectionState, type SendResult, type TailState } from "@open-chat/sdk";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { emit } from "../common/events.js";
import { EVENTS } from "../common/names.js";
import { readCurrentChat, writeCurrentChat } from "../common/storage.js";
import type { OpenChatStrings } from "../common/strings.js";
import { clientKeyOf, createClientFor, type ChatConfig } from "./client-config.js";
import { announce, CompletionTracker, keyOf, retryOf, sameKeys } from "./completions.js";
import { answerFailure, describeFailure } from "./failures.js";
import { VERSION_ACTION, performVersionAction, type VersionAction } from "./version-action.js";
import { StallWatch } from "./stalls.js";
import { UnreadCounter } from "./unread.js";

export type { ChatConfig } from "./client-config.js";

export type ViewStatus = ConnectionState["status"] | "idle";

/** Default of `stall-ms`: a streaming answer quiet this long shows "Reconnecting the answer…". */
export const DEFAULT_STALL_MS = 12_000;

export interface ChatControllerOptions {
  strings(): OpenChatStrings;
  /** A chat was created or changed title: the list should show it. */
  onChatsChanged?(): void;
}

/** A message the client queued; `accepted` settles with the server's answer to the send. */
export interface QueuedSend {
  accepted: Promise<SendResult>;
}

export class ChatController implements ReactiveController {
  client: ChatClient | null = null;
  tail: ChatTail | null = null;
  chatId: string | null = null;
  /** Row keys of the transcript, in order. */
  keys: readonly string[] = [];
  generating = false;
  status: ViewStatus = "idle";
  /** The last error shown in the banner (dismissible; cleared by a send the server accepted and by switching chats). */
  error: { text: string; developer: string } | null = null;
  /** The polite live region's text: the last answer that ended. */
  announcement = "";
  /** Quiet time (ms) after which a streaming answer shows "Reconnecting the answer…". */
  stallMs = DEFAULT_STALL_MS;

  private config: ChatConfig | null = null;
  private connected = false;
  private readonly unreadCounter: UnreadCounter;
  private epoch = 0;
  private clientKey = "";
  private starting: Promise<void> = Promise.resolve();
  private stops: Array<() => void> = [];
  private tracker = new CompletionTracker();
  private readonly stalls: StallWatch;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: ChatControllerOptions,
  ) {
    this.unreadCounter = new UnreadCounter(host);
    this.stalls = new StallWatch({ afterMs: () => this.stallMs, onChange: () => host.requestUpdate() });
    host.addController(this);
  }

  /** Answers that ended while the panel was hidden. */
  get unread(): number {
    return this.unreadCounter.count;
  }

  hostConnected(): void {
    this.connected = true;
    // The rows' version actions (version-action.ts) bubble to the view's shadow root, no further.
    this.host.shadowRoot?.addEventListener(VERSION_ACTION, this.onVersionAction);
    if (this.config) this.restart();
  }

  hostDisconnected(): void {
    this.host.shadowRoot?.removeEventListener(VERSION_ACTION, this.onVersionAction);
    this.connected = false;
    this.epoch++;
    void this.shutdown();
  }

  /** New settings from the element. Restarts the client only when the server or site changed. */
  configure(config: ChatConfig): void {
    const previous = this.config;
    this.config = config;
    if (!this.connected) return;
    if (!this.client || clientKeyOf(config) !== this.clientKey) this.restart();
    else if (config.userToken !== previous?.userToken) void this.identify(config.userToken).catch(() => {});
    else if (config.chatId && config.chatId !== previous?.chatId && config.chatId !== this.chatId) this.select(config.chatId);
  }

  /**
   * Panel shown or hidden: answers that end while hidden count as unread (`open-chat:unread`).
   * Showing it resets the count silently: `<open-chat>` announces the reset itself.
   */
  setVisible(visible: boolean): void {
    this.unreadCounter.setVisible(visible);
  }

  /** True while this answer streams and has had no event for `stallMs`: its process may have died. */
  isStalled(messageId: string): boolean {
    return this.stalls.has(messageId);
  }

  /** A new `stall-ms`; a negative or non-numeric value means the default. */
  setStallMs(ms: number): void {
    this.stallMs = Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_STALL_MS;
    if (this.tail) this.stalls.update(this.tail.state.log.messages);
  }

  /** The client, once started (rejects when no `api` is set). */
  async ready(): Promise<ChatClient> {
    await this.starting;
    if (!this.client) throw new Error("open-chat: set the `api` attribute to the server's URL");
    return this.client;
  }

  /**
   * The one send path: sends `text` in the current chat, creating a chat first when there is
   * none (offline too). Rejects when nothing was queued (no server); else
   * resolves at once, the server's answer pending in `accepted`. Failures are reported either
   * way; a refused send also stays visible as a failed message with a Retry button.
   */
  async queue(text: string): Promise<QueuedSend> {
    let queued: QueuedSend;
    try {
      queued = await this.place(text);
    } catch (error) {
      this.report(error);
      throw error;
    }
    const { accepted } = queued;
    accepted.then(() => this.dismissError(), (error: unknown) => this.report(error));
    return { accepted };
  }

  /**
   * Queues `text` in the chat on screen, or starts a chat with it. Starting works offline and
   * for a visitor not signed in yet: the SDK stores the message before any request and its
   * outbox signs in, creates the chat and sends, retrying each step; the chat shows under its
   * local id meanwhile (see {@link follow}).
   */
  private async place(text: string): Promise<QueuedSend> {
    const client = await this.ready();
    const chatId = this.chatId;
    if (chatId) {
      const accepted = client.send(chatId, text);
      if (isLocalChatId(chatId)) this.follow(client, chatId); // a refused chat is made again by this send
      return { accepted };
    }
    const started = await client.startChat(text, { title: titleFrom(text) });
    if (this.client === client && !this.chatId) this.select(started.localId);
    return { accepted: started.sent };
  }

  /** A started chat on screen: once the server made it, show it under its own id (its pending messages move along). */
  private follow(client: ChatClient, localId: string): void {
    client.resolveChat(localId).then(
      (chatId) => {
        if (this.client !== client || this.chatId !== localId) return;
        // Everything in the chat this view just started is news, even what its first read
        // catches up with (an answer that failed before the tail opened).
        this.select(chatId, { fresh: true });
        this.options.onChatsChanged?.();
      },
      () => {
        // Not made: a refused message stays with its Retry; nothing left to show (a reload after
        // a refusal) forgets the chat.
        if (this.client === client && this.chatId === localId && this.tail?.state.messages.length === 0) this.newChat();
      },
    );
  }

  async stop(): Promise<void> {
    if (!this.client || !this.chatId) return;
    await this.client.stop(this.chatId).catch((error: unknown) => this.report(error));
  }

  /** Retries a row: a failed send (or edit) is sent again; a failed or stopped answer is regenerated. */
  async retry(key: string): Promise<void> {
    // An ended answer is written again as another version of it — never its question re-sent.
    const row = this.tail?.state.messages.find((m) => keyOf(m) === key);
    if (row?.role === "assistant") return this.perform({ type: "regenerate", messageId: row.id });
    if (row?.status === "failed" && row.editOf !== undefined) {
      this.client?.dismiss(row.chatId, row.clientId);
      return this.perform({ type: "edit", messageId: row.editOf, text: row.text });
    }
    const target = this.tail && this.client && this.chatId ? retryOf(this.tail.state.messages, key) : null;
    if (!target) return;
    if (target.dismiss) this.client!.dismiss(this.chatId!, target.dismiss);
    const text = target.text.trim();
    if (text) await this.queue(text).then((queued) => queued.accepted).catch(() => {});
  }

  /** Performs a row's version action (select, regenerate, feedback, edit) in the chat on screen; failures go to the banner. */
  async perform(action: VersionAction): Promise<void> {
    if (!this.client || !this.chatId) return;
    await performVersionAction(this.client, this.chatId, action).then(
      () => this.dismissError(),
      (error: unknown) => this.report(error),
    );
  }

  private readonly onVersionAction = (event: Event): void => void this.perform((event as CustomEvent<VersionAction>).detail);

  /**
   * Shows the chat with this id. `fresh`: the chat has no history for this view (it started it),
   * so answers that end in its first catch-up are announced too.
   */
  select(chatId: string, { fresh = false }: { fresh?: boolean } = {}): void {
    if (!this.client || (chatId === this.chatId && this.tail)) return;
    this.detach();
    if (fresh) this.tracker.markLive();
    this.chatId = chatId;
    writeCurrentChat(this.config!.api, chatId);
    const tail = this.client.openChat(chatId);
    this.tail = tail;
    this.stops.push(
      tail.subscribe((state) => this.onState(tail, state)),
      tail.subscribeConnection((connection) => this.onConnection(tail, connection)),
    );
    this.onState(tail, tail.state);
    this.onConnection(tail, tail.connection);
    if (isLocalChatId(chatId)) this.follow(this.client, chatId);
    this.host.requestUpdate();
  }

  /** Leaves the current chat; the next send creates a new one. */
  newChat(): void {
    this.detach();
    if (this.config) writeCurrentChat(this.config.api, null);
    this.host.requestUpdate();
  }

  /** Logs out (the SDK's `reset()`: signed out, everything stored forgotten); a new guest starts empty. */
  reset(): Promise<void> {
    return this.switchUser((client) => client.reset(), false);
  }

  /** Signs in as the site's verified user (the SDK's `identify()`: a guest's chats are kept); "" logs out. */
  identify(token: string): Promise<void> {
    if (this.config) this.config = { ...this.config, userToken: token };
    return this.switchUser((client) => (token ? client.identify(token) : client.reset()), !!token);
  }

  /** Runs a change of user on the client; `keepChat`: then shows the chat again (a guest's chat is the user's now). */
  private async switchUser(change: (client: ChatClient) => Promise<unknown>, keepChat: boolean): Promise<void> {
    const client = await this.ready().catch(() => null);
    if (!client) return;
    const chatId = this.chatId;
    this.detach();
    this.error = null;
    this.host.requestUpdate();
    try {
      await change(client);
    } catch (error) {
      this.report(error);
      throw error;
    } finally {
      if (client === this.client) {
        this.options.onChatsChanged?.();
        if (keepChat && chatId) this.select(chatId);
        emit(this.host, EVENTS.ready, { chatId: this.chatId });
      }
    }
  }

  dismissError(): void {
    this.error = null;
    this.host.requestUpdate();
  }

  /** Shows an error in the banner and dispatches `open-chat:error`. */
  report(error: unknown): void {
    const { text, developer, detail } = describeFailure(error, this.chatId, this.options.strings());
    this.error = { text, developer };
    emit(this.host, EVENTS.error, detail);
    this.host.requestUpdate();
  }

  private restart(): void {
    const epoch = ++this.epoch;
    const config = this.config;
    this.clientKey = config ? clientKeyOf(config) : "";
    const previous = this.starting;
    this.starting = (async () => {
      await previous.catch(() => {});
      await this.shutdown();
      if (epoch !== this.epoch || !config || !this.connected) return;
      await this.start(config);
    })();
  }

  private async start(config: ChatConfig): Promise<void> {
    this.status = "idle";
    this.error = null;
    this.unreadCounter.clear();
    if (!config.api) return void this.host.requestUpdate();
    const client = (this.client = createClientFor(config));
    // The site's user first: nothing may sign in as a guest meanwhile (the site may allow none).
    if (config.userToken) await client.identify(config.userToken).catch((error: unknown) => this.report(error));
    if (client !== this.client) return;
    const chatId = config.chatId || readCurrentChat(config.api);
    if (chatId) this.select(chatId);
    this.host.requestUpdate();
    emit(this.host, EVENTS.ready, { chatId: this.chatId });
  }

  private async shutdown(): Promise<void> {
    this.detach();
    const client = this.client;
    this.client = null;
    this.status = "idle";
    if (client) await client.close().catch(() => {});
  }

  private detach(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
    const tail = this.tail;
    this.tail = null;
    this.chatId = null;
    this.keys = [];
    this.generating = false;
    this.tracker = new CompletionTracker();
    this.stalls.clear();
    if (tail) void tail.close().catch(() => {});
  }

  private onState(tail: ChatTail, state: TailState): void {
    if (tail !== this.tail) return;
    const keys = state.messages.map(keyOf);
    const generating = state.log.messages.some((m) => m.role === "assistant" && m.status === "streaming");
    const changed = generating !== this.generating || !sameKeys(keys, this.keys);
    if (changed) {
      this.keys = keys;
      this.generating = generating;
    }
    for (const message of this.tracker.update(state.log.messages)) this.onEnded(message);
    this.stalls.update(state.log.messages);
    if (state.deleted) return this.onGone();
    if (changed) this.host.requestUpdate();
  }

  private onConnection(tail: ChatTail, connection: ConnectionState): void {
    if (tail !== this.tail) return;
    if (connection.upToDate && !this.tracker.isLive) this.tracker.markLive();
    if (connection.status === "closed" && connection.closeReason !== "closed") {
      // A remembered chat that is gone (deleted elsewhere, another user's) is forgotten quietly.
      const remembered = this.config?.chatId !== this.chatId;
      const missing = connection.error instanceof OpenChatError && connection.error.status === 404;
      if (connection.error && !(remembered && missing)) this.report(connection.error);
      return this.onGone();
    }
    if (connection.status !== this.status) {
      this.status = connection.status;
      this.host.requestUpdate();
    }
  }

  /** The chat was deleted or cannot be read (e.g. `chat_not_found`): forget it. */
  private onGone(): void {
    this.newChat();
    this.options.onChatsChanged?.();
  }

  private onEnded(message: ChatMessage): void {
    const strings = this.options.strings();
    this.announcement = announce(message, strings, this.announcement);
    const chatId = this.chatId ?? message.chatId;
    emit(this.host, EVENTS.message, { chatId, message });
    if (message.status === "error") emit(this.host, EVENTS.error, answerFailure(message, chatId, strings.failed));
    this.unreadCounter.answerEnded();
    this.host.requestUpdate();
  }
}

/**
 * A chat's title from its first message: one line (whitespace and control characters become one
 * space) of at most 80 characters, cut between code points so an emoji is never split into a
 * lone surrogate (the server refuses both).
 */
function titleFrom(text: string): string {
  return Array.from(text.replace(/[\p{Cc}\s]+/gu, " ").trim()).slice(0, 80).join("");
}
