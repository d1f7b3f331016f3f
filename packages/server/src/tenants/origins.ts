/**
 * Allowed origins are exact browser origins: scheme + host + port, as a page's `Origin` header
 * carries them (`https://shop.example`, `http://127.0.0.1:3001`). No paths, no wildcards: a
 * publishable key works only on the pages the tenant listed.
 */
export function normalizeOrigin(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  // `new URL("https://a.example/")` has pathname "/"; anything longer is a path, not an origin.
  if (url.pathname !== "/" || url.search || url.hash) return null;
  return url.origin;
}
