/**
 * Model prices from a catalog in OpenRouter's model-list shape (`GET /api/v1/models`:
 * `{"data":[{"id":"openai/gpt-4o-mini","pricing":{"prompt":"0.00000015","completion":"0.0000006"}}]}`,
 * USD per token as decimal strings). The checked-in default is default-prices.json; the
 * operator points PRICE_CATALOG at their own (e.g. a saved copy of OpenRouter's list).
 *
 * Prices are kept exactly as pico-USD per token (10⁻¹² USD: OpenRouter quotes to at most 12
 * decimals), and a cost in µUSD is rounded UP: an answer never costs less than its tokens.
 * A model whose price is missing, negative (OpenRouter's `"-1"` = variable) or not a decimal
 * has no price: while billing is on it cannot be used (`model_unpriced`).
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import defaultPrices from "./default-prices.json" with { type: "json" };

export interface ModelPrice {
  /** Pico-USD (10⁻¹² USD) per prompt token. */
  promptPicoUsd: bigint;
  /** Pico-USD per completion token. */
  completionPicoUsd: bigint;
}

export interface PriceCatalog {
  /** The model's price; undefined when the catalog has none for it. */
  price(model: string): ModelPrice | undefined;
  readonly size: number;
}

const CatalogSchema = v.object({
  data: v.array(
    v.object({
      id: v.string(),
      pricing: v.optional(v.object({ prompt: v.optional(v.string()), completion: v.optional(v.string()) })),
    }),
  ),
});

/** `"0.00000015"` → 150_000n pico-USD; undefined for anything but a non-negative decimal of ≤ 12 places. */
export function parseUsdPerToken(raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d{1,12})(?:\.(\d{1,12}))?$/.exec(raw.trim());
  if (!match) return undefined;
  return BigInt(match[1]!) * 10n ** 12n + BigInt((match[2] ?? "").padEnd(12, "0"));
}

export function parsePriceCatalog(json: unknown, source = "price catalog"): PriceCatalog {
  const parsed = v.safeParse(CatalogSchema, json);
  if (!parsed.success) throw new Error(`${source}: expected {"data":[{"id","pricing":{"prompt","completion"}}]} (${parsed.issues[0].message})`);
  const prices = new Map<string, ModelPrice>();
  for (const model of parsed.output.data) {
    const prompt = parseUsdPerToken(model.pricing?.prompt);
    const completion = parseUsdPerToken(model.pricing?.completion);
    if (prompt !== undefined && completion !== undefined) prices.set(model.id, { promptPicoUsd: prompt, completionPicoUsd: completion });
  }
  return { price: (model) => prices.get(model), size: prices.size };
}

/** Reads the catalog at `path` (PRICE_CATALOG), or the checked-in default (bundled). Throws naming the file. */
export function loadPriceCatalog(path?: string): PriceCatalog {
  if (!path) return parsePriceCatalog(defaultPrices, "default price catalog");
  const file = path;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`PRICE_CATALOG ${String(file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parsePriceCatalog(json, `PRICE_CATALOG ${String(file)}`);
}

/** µUSD for the tokens at `price`, rounded up. */
export function costMicroUsd(price: ModelPrice, tokens: { inputTokens: number; outputTokens: number }): bigint {
  const pico = BigInt(Math.max(0, tokens.inputTokens)) * price.promptPicoUsd + BigInt(Math.max(0, tokens.outputTokens)) * price.completionPicoUsd;
  return (pico + 999_999n) / 1_000_000n;
}
