/**
 * The strings tables against the one English table: every locale in src/locales/ has every key
 * of `OpenChatStrings` (read from strings.ts itself, so keys added later count too), none is
 * empty, every key is in the README's string table; the README lists every attribute, method,
 * event and CSS part too; and how locale tags resolve.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ATTRIBUTES } from "../src/common/attributes.js";
import { localeInfo } from "../src/common/locale.js";
import { EVENTS, VIEW_PARTS } from "../src/common/names.js";
import { DEFAULT_STRINGS } from "../src/common/strings.js";

const src = new URL("../src/", import.meta.url);
const stringsSource = readFileSync(new URL("common/strings.ts", src), "utf8");
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** `key → parameter types` of every member of the OpenChatStrings interface (text: []). */
function interfaceKeys(): Map<string, string[]> {
  const body = /export interface OpenChatStrings \{([\s\S]*?)\n\}/.exec(stringsSource)?.[1];
  if (!body) throw new Error("OpenChatStrings not found in src/common/strings.ts");
  const keys = new Map<string, string[]>();
  for (const [, key, params] of body.matchAll(/^ {2}(\w+)\??: (?:\(([^)]*)\) =>)?/gm)) {
    keys.set(key!, params ? params.split(",").map((param) => param.split(":")[1]!.trim()) : []);
  }
  return keys;
}

const KEYS = interfaceKeys();
const STATUS_KEYS = Object.keys(DEFAULT_STRINGS.status);
const LOCALES = readdirSync(new URL("locales/", src))
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.slice(0, -3));

async function table(locale: string): Promise<Record<string, unknown>> {
  return ((await import(`../src/locales/${locale}.ts`)) as { default: Record<string, unknown> }).default;
}

/** Sample arguments for a function string: text for `string` parameters, small counts for numbers. */
const sample = (types: string[]) => types.map((type, i) => (type === "string" ? `Trip plans ${i}` : 3 + i));

describe("strings tables", () => {
  it("reads the keys of OpenChatStrings", () => {
    for (const key of [...Object.keys(DEFAULT_STRINGS), "balance", "topUpFailed"]) expect(KEYS.has(key), key).toBe(true);
    expect(LOCALES).toEqual(expect.arrayContaining(["de", "fr", "es", "ja", "ar", "he"]));
  });

  it.each(LOCALES)("%s has every key of English, none empty", async (locale) => {
    const strings = await table(locale);
    const missing = [...KEYS.keys()].filter((key) => !(key in strings));
    const missingStatus = STATUS_KEYS.filter((key) => !((strings.status as Record<string, string> | undefined)?.[key]));
    expect([...missing, ...missingStatus.map((key) => `status.${key}`)], `src/locales/${locale}.ts is missing keys (translate them)`).toEqual([]);
    const unknown = Object.keys(strings).filter((key) => !KEYS.has(key));
    expect(unknown, `src/locales/${locale}.ts has keys OpenChatStrings does not`).toEqual([]);
    const empty: string[] = [];
    for (const [key, types] of KEYS) {
      const value = strings[key];
      if (key === "status") continue;
      if (typeof value === "function") {
        const args = sample(types);
        const text = (value as (...args: unknown[]) => unknown)(...args);
        // A function string returns text that carries its text arguments (a title, say).
        if (typeof text !== "string" || !text.trim() || !args.every((arg) => typeof arg !== "string" || text.includes(arg))) empty.push(`${key}(${args.join(", ")}) → ${JSON.stringify(text)}`);
      } else if (typeof value !== "string" || !value.trim()) empty.push(key);
    }
    for (const key of STATUS_KEYS) if (!(strings.status as Record<string, string>)[key]?.trim()) empty.push(`status.${key}`);
    expect(empty, `src/locales/${locale}.ts has empty strings`).toEqual([]);
  });

  it("the README's string table lists every key", () => {
    const listed = (key: string) => readme.includes(`| \`${key}`);
    const missing = [...[...KEYS.keys()].filter((key) => key !== "status"), ...STATUS_KEYS.map((key) => `status.${key}`)].filter((key) => !listed(key));
    expect(missing, "keys missing from the table in README.md, “Strings and locales”").toEqual([]);
    for (const locale of LOCALES) expect(readme, `README: locale ${locale}`).toContain(`\`${locale}\``);
  });
});

describe("README", () => {
  it("lists every attribute, method, event and CSS part of <open-chat>", () => {
    const element = readFileSync(new URL("element/open-chat.ts", src), "utf8");
    const methods = [...element.matchAll(/^ {2}(?:async )?([a-z]\w*)\(/gm)].map((m) => m[1]!).filter((name) => name !== "constructor" && !/Callback$/.test(name));
    expect(methods.length).toBeGreaterThan(5);
    const missing = [
      ...Object.keys(ATTRIBUTES).filter((name) => !readme.includes(`| \`${name}\` |`)).map((name) => `attribute ${name}`),
      ...methods.filter((name) => !readme.includes(`\`${name}(`)).map((name) => `method ${name}()`),
      ...Object.values(EVENTS).filter((name) => !readme.includes(`\`${name}\``)).map((name) => `event ${name}`),
      ...["launcher", "badge", "panel", ...VIEW_PARTS].filter((name) => !readme.includes(`\`${name}\``)).map((name) => `part ${name}`),
    ];
    expect(missing, "missing from README.md").toEqual([]);
  });
});

describe("localeInfo", () => {
  it("falls back from a region to its language and from an unknown language to English", () => {
    expect(localeInfo("de-AT")).toEqual({ table: "de", rtl: false, intl: "de-AT" });
    expect(localeInfo("FR-ca").table).toBe("fr");
    expect(localeInfo("xx")).toEqual({ table: "en", rtl: false, intl: "xx" });
    expect(localeInfo("")).toEqual({ table: "en", rtl: false, intl: undefined });
    expect(localeInfo("constructor").table).toBe("en");
  });

  it("lays out right to left what Intl (or the fallback list) says is", () => {
    for (const tag of ["ar", "ar-EG", "he", "he-IL", "fa", "ur"]) expect(localeInfo(tag).rtl, tag).toBe(true);
    for (const tag of ["en", "de", "ja", "xx"]) expect(localeInfo(tag).rtl, tag).toBe(false);
    // Not well-formed for Intl: the language decides; formatting uses the browser's default.
    expect(localeInfo("he_IL")).toEqual({ table: "he", rtl: true, intl: undefined });
  });
});
