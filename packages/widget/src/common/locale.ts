/**
 * Which strings table, text direction and number format a locale tag gets. Its own chunk: the
 * element imports it only for a locale other than plain `en` (English is the defaults in
 * strings.ts, nothing to load), and every other shipped table is a chunk of its own again,
 * imported only when an element asks for that locale.
 *
 * @example
 * localeInfo("de-AT"); // { table: "de", rtl: false, intl: "de-AT" } (a region falls back to its language)
 * localeInfo("xx"); // { table: "en", rtl: false, intl: "xx" } (unknown: English)
 * localeInfo("ar-EG").rtl; // true
 * (await localize("de-AT")).strings?.send; // "Senden"
 */
import type { OpenChatStrings } from "./strings.js";

type Table = () => Promise<{ default: Required<OpenChatStrings> }>;

/** The shipped tables besides English, one literal import each so bundlers split them. */
const TABLES: Record<string, Table> = {
  de: () => import("../locales/de.js"),
  fr: () => import("../locales/fr.js"),
  es: () => import("../locales/es.js"),
  ja: () => import("../locales/ja.js"),
  ar: () => import("../locales/ar.js"),
  he: () => import("../locales/he.js"),
};

/** Right-to-left languages, for browsers without `Intl.Locale#getTextInfo` (Firefox). */
const RTL = /^(ar|he|iw|fa|ur|ps|sd|ug|yi|dv|ckb)$/;

export interface LocaleInfo {
  /** The shipped table it gets: its language's (de-AT → de), else "en". */
  table: string;
  /** Text runs right to left (Intl's text info where the browser has it, else the list above). */
  rtl: boolean;
  /** The tag for Intl formatting; undefined (the browser's default) when it is not well-formed. */
  intl: string | undefined;
}

/** What a BCP 47 tag gets: its table, its direction, its Intl tag. */
export function localeInfo(tag: string): LocaleInfo {
  const lang = tag.toLowerCase().split(/[-_]/)[0]!;
  let rtl = RTL.test(lang);
  let intl: string | undefined;
  try {
    const locale = new Intl.Locale(tag) as Intl.Locale & { getTextInfo?(): { direction?: string }; textInfo?: { direction?: string } };
    intl = tag;
    const direction = (locale.getTextInfo?.() ?? locale.textInfo)?.direction;
    if (direction) rtl = direction === "rtl";
  } catch {
    // Not a well-formed tag (e.g. "he_IL"): its language decides the table and the direction.
  }
  return { table: Object.hasOwn(TABLES, lang) ? lang : "en", rtl, intl };
}

/** The strings table of a {@link LocaleInfo.table}; null for English (the defaults). */
export async function loadTable(table: string): Promise<Required<OpenChatStrings> | null> {
  return Object.hasOwn(TABLES, table) ? (await TABLES[table]!()).default : null;
}

export interface Localized extends LocaleInfo {
  /** The table's strings; null for English. */
  strings: Required<OpenChatStrings> | null;
}

/** A tag's {@link localeInfo} with its table loaded. */
export async function localize(tag: string): Promise<Localized> {
  const info = localeInfo(tag);
  return { ...info, strings: await loadTable(info.table) };
}
