/** The price catalog (OpenRouter's model-list shape) and the cost arithmetic: exact decimals, costs rounded up. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { costMicroUsd, loadPriceCatalog, parsePriceCatalog, parseUsdPerToken } from "../src/billing/prices.js";
import { parseStoredBillingPolicy, resolveBillingPolicy } from "../src/billing/policy.js";
import { configFromEnv } from "../src/config.js";

describe("price catalog", () => {
  it("reads USD-per-token strings exactly (pico-USD) and refuses variable or malformed prices", () => {
    expect(parseUsdPerToken("0.00000015")).toBe(150_000n);
    expect(parseUsdPerToken("0.000000000001")).toBe(1n);
    expect(parseUsdPerToken("2")).toBe(2_000_000_000_000n);
    for (const bad of ["-1", "1e-7", "", "abc", "0.0000000000001", undefined]) expect(parseUsdPerToken(bad)).toBeUndefined();
    const catalog = parsePriceCatalog({ data: [{ id: "a", pricing: { prompt: "0.000001", completion: "0.000002" } }, { id: "auto", pricing: { prompt: "-1", completion: "-1" } }, { id: "none" }] });
    expect(catalog.size).toBe(1);
    expect(catalog.price("a")).toEqual({ promptPicoUsd: 1_000_000n, completionPicoUsd: 2_000_000n });
    expect(catalog.price("auto")).toBeUndefined();
    expect(() => parsePriceCatalog({ models: [] })).toThrow(/data/);
  });

  it("prices the default catalog's test models and rounds a cost up to the µUSD", () => {
    const catalog = loadPriceCatalog();
    for (const model of ["open-chat-local", "test-model", "open-chat-mock", "openai/gpt-4o-mini"]) expect(catalog.price(model)).toBeDefined();
    const mini = catalog.price("openai/gpt-4o-mini")!;
    expect(costMicroUsd(mini, { inputTokens: 1, outputTokens: 0 })).toBe(1n); // 0.15 µUSD → 1
    expect(costMicroUsd(mini, { inputTokens: 1000, outputTokens: 1000 })).toBe(750n);
    expect(() => loadPriceCatalog("/nonexistent/prices.json")).toThrow(/PRICE_CATALOG/);
  });

  it("property: a cost is never below the exact price and less than 1 µUSD above it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.nat(1_000_000), fc.nat(1_000_000), (p, c, i, o) => {
        const exactPico = BigInt(i) * p + BigInt(o) * c;
        const cost = costMicroUsd({ promptPicoUsd: p, completionPicoUsd: c }, { inputTokens: i, outputTokens: o });
        expect(cost * 1_000_000n >= exactPico).toBe(true);
        expect(cost * 1_000_000n - exactPico < 1_000_000n).toBe(true);
      }),
      { seed: 1_214 },
    );
  });
});

describe("billing configuration and policy", () => {
  it("BILLING is off by default, on|off otherwise; PRICE_CATALOG is passed through", () => {
    expect(configFromEnv({}).settings.billing).toEqual({ enabled: false });
    expect(configFromEnv({ BILLING: "on", PRICE_CATALOG: "/etc/prices.json" }).settings.billing).toEqual({ enabled: true, priceCatalogPath: "/etc/prices.json" });
    expect(() => configFromEnv({ BILLING: "maybe" })).toThrow(/BILLING must be on or off/);
  });

  it("a tenant's stored policy: defaults filled in, a malformed one counts as empty", () => {
    expect(resolveBillingPolicy(parseStoredBillingPolicy({}))).toEqual({ endUserAccounts: false, guestBudgetMicroUsd: 0n, signupGrantMicroUsd: 0n, dailyLimitMicroUsd: 0n, endUserTopUps: false });
    expect(resolveBillingPolicy(parseStoredBillingPolicy({ endUserAccounts: true, guestBudgetMicroUsd: 5 })).guestBudgetMicroUsd).toBe(5n);
    expect(parseStoredBillingPolicy({ guestBudgetMicroUsd: -1 })).toEqual({});
    expect(parseStoredBillingPolicy("nonsense")).toEqual({});
  });
});
