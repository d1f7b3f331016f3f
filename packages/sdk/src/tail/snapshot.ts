/**
 * What a tail stores per chat: its durable offset together with the folded state at exactly
 * that offset, written as one value so the pair is always consistent. A reload restores the
 * messages at once and resumes reading after the offset. A missing, unreadable or
 * foreign-version value means "start from -1" (the fold is idempotent; re-reading is safe).
 */
import { EMPTY_CHAT_STATE, isValidOffset, type ChatMessage, type ChatState } from "@open-chat/shared";

/** 2: the fold's versions (`children`, `selected`, `leaf`) are stored too; a v1 snapshot is re-read from -1. */
const SNAPSHOT_VERSION = 2;

interface StoredTail {
  v: typeof SNAPSHOT_VERSION;
  offset: string;
  state: {
    chatId: string | null;
    title: string | null;
    deleted: boolean;
    messages: ChatMessage[];
    children: Array<[string, string[]]>;
    selected: Array<[string, string]>;
    leaf: string | null;
    watermarks: Array<[string, number]>;
    applied: number;
    duplicates: number;
    ignored: number;
    skipped: number;
  };
}

export interface TailSnapshot {
  offset: string;
  state: ChatState;
}

export function encodeSnapshot(snapshot: TailSnapshot): string {
  const { state } = snapshot;
  const stored: StoredTail = {
    v: SNAPSHOT_VERSION,
    offset: snapshot.offset,
    state: {
      chatId: state.chatId,
      title: state.title,
      deleted: state.deleted,
      messages: state.messages as ChatMessage[],
      children: [...state.children].map(([place, ids]) => [place, [...ids]]),
      selected: [...state.selected],
      leaf: state.leaf,
      watermarks: [...state.watermarks],
      applied: state.applied,
      duplicates: state.duplicates,
      ignored: state.ignored,
      skipped: state.skipped,
    },
  };
  return JSON.stringify(stored);
}

/** Null when `raw` is not a snapshot this version wrote. */
export function decodeSnapshot(raw: string | null): TailSnapshot | null {
  if (!raw) return null;
  let value: StoredTail;
  try {
    value = JSON.parse(raw) as StoredTail;
  } catch {
    return null;
  }
  if (value?.v !== SNAPSHOT_VERSION || !isValidOffset(value.offset) || typeof value.state !== "object" || value.state === null) return null;
  const s = value.state;
  if (!Array.isArray(s.messages) || !Array.isArray(s.watermarks)) return null;
  if (!s.messages.every((m) => typeof m === "object" && m !== null && typeof m.id === "string" && typeof m.text === "string")) return null;
  if (!s.watermarks.every((w) => Array.isArray(w) && typeof w[0] === "string" && typeof w[1] === "number")) return null;
  if (!Array.isArray(s.children) || !s.children.every((c) => Array.isArray(c) && typeof c[0] === "string" && Array.isArray(c[1]) && c[1].every(isString))) return null;
  if (!Array.isArray(s.selected) || !s.selected.every((c) => Array.isArray(c) && isString(c[0]) && isString(c[1]))) return null;
  const state: ChatState = {
    ...EMPTY_CHAT_STATE,
    chatId: typeof s.chatId === "string" ? s.chatId : null,
    title: typeof s.title === "string" ? s.title : null,
    deleted: s.deleted === true,
    messages: s.messages,
    index: new Map(s.messages.map((m, i) => [m.id, i])),
    children: new Map(s.children),
    selected: new Map(s.selected),
    leaf: typeof s.leaf === "string" ? s.leaf : null,
    watermarks: new Map(s.watermarks),
    applied: num(s.applied),
    duplicates: num(s.duplicates),
    ignored: num(s.ignored),
    skipped: num(s.skipped),
  };
  return { offset: value.offset, state };
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
