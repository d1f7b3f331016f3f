/**
 * GFM on demand. CommonMark renders at once; a text that may use GFM syntax starts loading the
 * GFM chunk (gfm.ts) and renders as CommonMark until it is there, then again (`onGfmReady`).
 * Once loaded, every text renders with GFM.
 */
import { LazyChunk } from "./lazy.js";

type GfmChunk = typeof import("./gfm.js");

const chunk = new LazyChunk<GfmChunk>(() => import("./gfm.js"));

/**
 * Whether `text` may contain GFM syntax — a superset test (false means CommonMark renders it
 * exactly as GFM would): table pipes, `~` strikethrough, `[^` footnotes, `[ ]`/`[x]` task
 * items, and the starts of autolink literals (www., http(s)://, and the `@` of e-mail ones).
 */
export const mayNeedGfm = (text: string): boolean => /[|~@]|\[\^|\[[ xX]\]|www\.|https?:\/\//i.test(text);

/** The GFM chunk when loaded, else null. */
export const gfmChunk = (): GfmChunk | null => chunk.get();

/** Starts loading the GFM chunk (once; again after a failed load). */
export const loadGfm = (): Promise<void> => chunk.load();

/** Calls `listener` once the GFM chunk is ready. Returns an unsubscribe function. */
export const onGfmReady = (listener: () => void): (() => void) => chunk.onReady(listener);
