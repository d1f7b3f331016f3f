/**
 * Reading Prometheus' text format in tests: the value of one sample, by name and labels.
 */

/** The value of `name{labels}` in `text`, or undefined when no such sample is there. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(",");
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? "").split(",").filter(Boolean).sort().join(",");
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

/** GETs a metrics URL: its status, content type and text. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; text: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
}

/**
 * Scrapes until `sample(text, name, labels)` is `value` (at most `retries` more scrapes, 25 ms apart) and
 * returns the last scrape: an answer's totals are added up a moment after its terminal event is in
 * the log, so a test that saw the event may scrape before they are.
 */
export async function scrapeUntil(url: string, name: string, labels: Record<string, string>, value: number, retries = 200): Promise<Awaited<ReturnType<typeof scrape>>> {
  let scraped = await scrape(url);
  for (let retried = 0; sample(scraped.text, name, labels) !== value && retried < retries; retried++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    scraped = await scrape(url);
  }
  return scraped;
}
