/**
 * The demo's custom frontend: no widget, just the SDK's TanStack DB collections and two live
 * queries — one joins the chat list with live message state (which chats are answering right
 * now), one is the selected chat's transcript. Plain DOM, text only (no HTML from messages).
 */
import { createCollection, createLiveQueryCollection, eq, type Collection } from "@tanstack/db";
import { createChatClient, type Chat } from "@open-chat/sdk";
import { chatCollectionOptions, messageCollectionOptions, type MessageRow } from "@open-chat/sdk/tanstack";

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)!.content;
const client = createChatClient({ baseUrl: meta("open-chat-api"), publishableKey: meta("open-chat-publishable-key") });
const chats = createCollection(chatCollectionOptions({ client }));
const root = document.getElementById("app")!;

const list = el("nav", { "aria-label": "Chats" });
const newChat = el("button", { type: "button" }, "New chat");
const items = el("ul");
list.append(newChat, items);
const pane = el("section", { "aria-label": "Conversation" });
const status = el("p", { class: "status", role: "status" });
const transcript = el("div", { class: "transcript", role: "log", "aria-live": "off" });
const form = el("form");
const input = el("input", { name: "text", "aria-label": "Message", placeholder: "Ask something…", autocomplete: "off" });
form.append(input, el("button", { type: "submit" }, "Send"));
pane.append(status, transcript, form);
root.append(list, pane);

let selected: string | null = null;
let messages: Collection<MessageRow, string> | null = null;
let stops: Array<() => void> = [];

/** (Re)builds the message collection and live queries for the current set of chats. */
async function follow(chatIds: string[]) {
  for (const stop of stops) stop();
  stops = [];
  const previous = messages;
  messages = createCollection(messageCollectionOptions({ client, chatIds, id: `messages-${chatIds.join(",")}` }));
  const answering = createLiveQueryCollection((q) =>
    q
      .from({ chat: chats })
      .join({ message: messages! }, ({ chat, message }) => eq(chat.id, message.chatId), "inner")
      .where(({ message }) => eq(message.status, "streaming"))
      .select(({ chat }) => ({ chatId: chat.id })),
  );
  const renderList = () => {
    const busy = new Set(answering.toArray.map((row) => row.chatId));
    items.replaceChildren(
      ...[...chats.values()]
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map((chat) => chatItem(chat, busy.has(chat.id))),
    );
  };
  stops.push(subscribe(answering, renderList), subscribe(chats, renderList));
  await answering.preload();
  renderList();
  if (selected) await showTranscript(selected);
  stops.push(() => void answering.cleanup());
  await previous?.cleanup();
}

async function showTranscript(chatId: string) {
  const rows = createLiveQueryCollection((q) =>
    q
      .from({ message: messages! })
      .where(({ message }) => eq(message.chatId, chatId))
      .orderBy(({ message }) => message.position)
      .select(({ message }) => ({ key: message.key, role: message.role, text: message.text, status: message.status })),
  );
  const render = () => {
    transcript.replaceChildren(
      ...rows.toArray.map((m) => el("p", { class: "msg", "data-role": m.role, "data-status": m.status }, `${m.role === "user" ? "You" : "Assistant"}: ${m.text}`)),
    );
    const connection = messages?.utils.connection(chatId);
    status.textContent = connection ? `connection: ${connection.status}` : "";
  };
  stops.push(subscribe(rows, render), () => void rows.cleanup());
  await rows.preload();
  render();
}

function chatItem(chat: Chat, busy: boolean) {
  const button = el("button", { type: "button", "aria-current": String(chat.id === selected) }, `${chat.title ?? "Untitled chat"}${busy ? " · answering…" : ""}`);
  button.addEventListener("click", () => {
    selected = chat.id;
    void follow([...chats.keys()]);
  });
  return el("li", {}, button);
}

newChat.addEventListener("click", async () => {
  const chat = await client.createChat({ title: `Chat ${chats.size + 1}` });
  await chats.utils.refresh();
  selected = chat.id;
  await follow([...chats.keys()]);
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  if (!selected) newChat.click();
  await waitFor(() => selected !== null);
  input.value = "";
  await client.send(selected!, text);
});

function subscribe(collection: { subscribeChanges(cb: () => void): { unsubscribe(): void } }, cb: () => void) {
  const subscription = collection.subscribeChanges(cb);
  return () => subscription.unsubscribe();
}

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = () => (check() ? resolve() : requestAnimationFrame(tick));
    tick();
  });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

await chats.preload();
selected = [...chats.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0]?.id ?? null;
await follow([...chats.keys()]);
