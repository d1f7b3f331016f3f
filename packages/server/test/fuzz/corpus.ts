/**
 * Nasty values for the API fuzz suite: the corpus every route is swept with (in paths, queries,
 * headers and bodies), and the fast-check arbitraries that mix them into generated requests.
 * Each one broke, or could break, some server: NUL and control characters (Postgres refuses
 * NUL), lone surrogates (no UTF-8 form), 70 KB ids, numbers and dates out of every range,
 * deep and huge JSON, percent-escapes that do not decode.
 */
import fc from "fast-check";

const KB = 1024;

/** Strings that are wrong in most places; in a path they are percent-encoded (see encodeSegment). */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0001\u0007\u001b[31m",
  "\t\n\r",
  "\u007f\u0085\u2028\u2029",
  "\ud800",
  "x\udc00y",
  "\udbff\udfff", // a valid pair (U+10FFFF)
  "\ufeff",
  "\u202e\u202d",
  "😀".repeat(3),
  "Ω≈ç√∫",
  "%",
  "%00",
  "%E0%A4%A",
  "%ED%A0%80",
  "..",
  "../../etc/passwd",
  "a/b",
  "a?b#c",
  "-1",
  "0",
  "-0",
  "1e400",
  "NaN",
  "Infinity",
  "0x10",
  "9".repeat(400),
  "null",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "-100000-01-01T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "2025-02-31",
  "0000-00-00T00:00:00Z",
  "9999-12-31T23:59:59.999Z",
  "1970-01-01T00:00:00Z",
  "chat_" + "A".repeat(128),
  "x".repeat(129),
  "x".repeat(8 * KB),
  "i".repeat(70 * KB), // the 70 KB id: in a URL it is over the header limit (431)
];

/** Offsets and Last-Event-IDs: well-formed ones of nothing, and malformed ones. */
export const NASTY_OFFSETS: readonly string[] = ["-1", "-2", "0", "0_0", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "uv7cxmnt-0", "x".repeat(64), "x".repeat(65), "-1-1", "now", "_", "a b", "9".repeat(200)];

/** Authorization values of every wrong shape ({token} becomes the caller's real token). */
export const WEIRD_AUTHORIZATIONS: readonly string[] = [
  "",
  "Bearer",
  "Bearer ",
  "Bearer  {token}",
  "bearer {token}",
  "BEARER {token}",
  "Bearer {token} {token}",
  "Bearer {token}x",
  "Bearer {token}%",
  "Basic dXNlcjpwYXNz",
  "Digest username=x",
  "Token {token}",
  "Bearer %E0%A4%A",
  "Bearer a.b.c",
  "Bearer .",
  "Bearer " + "t".repeat(8 * KB),
  "Bearer \u00ff\u00fe",
  "Bearer pk_" + "x".repeat(43),
  "Bearer sk_" + "x".repeat(43),
  "{token}",
];

/** Raw request bodies (not JSON values): broken, deep, huge, odd encodings. Each is built once. */
export const NASTY_BODIES: ReadonlyArray<{ label: string; body: () => string | Uint8Array }> = memoized([
  { label: "empty", body: () => "" },
  { label: "half an object", body: () => "{" },
  { label: "a BOM before JSON", body: () => "\ufeff{}" },
  { label: "trailing garbage", body: () => "{} {}" },
  { label: "a string", body: () => '"text"' },
  { label: "a number", body: () => "1e400" },
  { label: "null", body: () => "null" },
  { label: "an array", body: () => "[1,2,3]" },
  { label: "100,000 nested arrays", body: () => "[".repeat(100_000) + "]".repeat(100_000) },
  { label: "10,000 nested objects", body: () => '{"a":'.repeat(10_000) + "1" + "}".repeat(10_000) },
  { label: "20,000 keys", body: () => JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))) },
  { label: "duplicate keys", body: () => '{"title":"a","title":"b\\u0000","text":"x","text":1}' },
  { label: "__proto__ key", body: () => '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"title":"p"}' },
  { label: "escaped lone surrogates", body: () => '{"title":"\\ud800","text":"\\udfff","clientMessageId":"m\\ud800"}' },
  { label: "escaped NULs", body: () => '{"title":"\\u0000","name":"\\u0000","text":"\\u0000","token":"\\u0000","kind":"\\u0000"}' },
  { label: "invalid UTF-8 bytes", body: () => new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x22, 0x7d]) },
  { label: "UTF-16LE JSON", body: () => new Uint8Array(Buffer.from('{"title":"utf16"}', "utf16le")) },
  { label: "300 KB string (over every limit)", body: () => JSON.stringify({ title: "t".repeat(300 * KB), text: "t", name: "n" }) },
  { label: "20 KB object (over the /v1/auth limit)", body: () => JSON.stringify({ token: "t".repeat(20 * KB) }) },
  { label: "a 1 MB number", body: () => "9".repeat(1024 * KB) },
  { label: "form encoding", body: () => "title=a&text=b" },
  { label: "multipart", body: () => '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\na\r\n--x--\r\n' },
]);

function memoized<T extends { body: () => string | Uint8Array }>(bodies: T[]): T[] {
  return bodies.map((entry) => {
    let built: string | Uint8Array | undefined;
    return { ...entry, body: () => (built ??= entry.body()) };
  });
}

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  "application/json",
  undefined,
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  "application/xml",
  "*/*",
  "application/json, text/html",
];

/**
 * A path segment or query value as bytes on the wire: percent-encoded UTF-8, a lone surrogate as
 * the WTF-8 bytes (ED A0 80…) encodeURIComponent refuses to produce.
 */
export function encodeComponent(value: string): string {
  let out = "";
  for (const unit of value.split(/(?=[\s\S])/u)) {
    try {
      out += encodeURIComponent(unit);
    } catch {
      const code = unit.charCodeAt(0);
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    }
  }
  return out;
}

/** A header value fetch can send: Latin-1 without NUL, CR or LF (others are replaced by `?`). */
export function headerSafe(value: string): string {
  return value.replace(/[^\u0020-\u007e\u0080-\u00ff\t]/g, "?");
}

/** Strings: mostly the corpus, else random text that mixes in control characters and lone surrogates. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom("a", "\u0000", "\u0007", "\n", "\ud800", "\udc00", "😀", "%", "/", ".", "é"), maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
);

/** Any JSON value, including the nasty strings, nested a little. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    nastyString,
    fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 63)),
    fc.integer(),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "title", "text", "\u0000")), tie("value"), { maxKeys: 4 }),
  ),
})).value;
