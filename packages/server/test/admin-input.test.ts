/**
 * Bad input to the admin API is a 400 (or 413) with an error code naming the problem — never a
 * 500, never a change: NUL characters (Postgres refuses them), malformed ids, oversized names,
 * bad origins and URLs, unknown fields, bad pagination and bad dates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_PATH } from "@open-chat/shared";
import { startTestServer, type TestServer } from "@open-chat/testing";
import { apiClient } from "./helpers/api.js";

const OPERATOR_KEY = "operator-key-".padEnd(48, "i");
const TENANTS = `${API_PATH.admin}/tenants`;
const SHOP = `${TENANTS}/shop`;

let server: TestServer;
let operator: ReturnType<typeof apiClient>;
let keyId: string;

beforeAll(async () => {
  server = await startTestServer({ settings: { operatorKey: OPERATOR_KEY } });
  operator = apiClient(server.url, OPERATOR_KEY);
  expect((await operator.call("POST", TENANTS, { id: "shop", name: "Shop" })).status).toBe(201);
  keyId = (await operator.call("POST", `${SHOP}/keys`, { kind: "secret" })).body.id;
}, 60_000);
afterAll(async () => {
  await server?.close();
});

type Case = [label: string, method: string, path: string, body?: unknown, expected?: { status?: number; code?: string; message?: RegExp }];

const tenantBodies: Case[] = [
  ["id with a NUL", "POST", TENANTS, { id: "a\u0000b", name: "x" }, { message: /^id: / }],
  ["id in upper case", "POST", TENANTS, { id: "Shop2", name: "x" }, { message: /^id: / }],
  ["id with a dot (the stream-name separator)", "POST", TENANTS, { id: "a.b", name: "x" }],
  ["id too long", "POST", TENANTS, { id: "a".repeat(41), name: "x" }],
  ["no name", "POST", TENANTS, {}, { message: /^name: / }],
  ["blank name", "POST", TENANTS, { name: "   " }, { message: /^name: / }],
  ["oversized name", "POST", TENANTS, { name: "n".repeat(201) }, { message: /^name: / }],
  ["name with a NUL", "POST", TENANTS, { name: "a\u0000b" }, { message: /^name: / }],
  ["name with a newline", "POST", TENANTS, { name: "a\nb" }],
  ["name that is not a string", "POST", TENANTS, { name: 42 }],
  ["unknown field", "POST", TENANTS, { name: "x", allowedOrigin: ["https://a.example"] }, { message: /allowedOrigin/ }],
  ["origin with a path", "POST", TENANTS, { name: "x", allowedOrigins: ["https://shop.example/shop"] }, { message: /allowedOrigins\.0: "https:\/\/shop\.example\/shop" is not an origin/ }],
  ["origin that is no URL", "POST", TENANTS, { name: "x", allowedOrigins: ["shop.example"] }, { message: /"shop\.example" is not an origin/ }],
  ["origin of another scheme", "POST", TENANTS, { name: "x", allowedOrigins: ["ftp://shop.example"] }],
  ["origin with a NUL", "POST", TENANTS, { name: "x", allowedOrigins: ["https://shop\u0000.example"] }],
  ["too many origins", "POST", TENANTS, { name: "x", allowedOrigins: Array.from({ length: 101 }, (_, i) => `https://s${i}.example`) }],
  ["guestsAllowed not a boolean", "POST", TENANTS, { name: "x", guestsAllowed: "yes" }],
  ["unknown model policy field", "POST", TENANTS, { name: "x", modelPolicy: { temperature: 2 } }, { message: /^modelPolicy/ }],
  ["model name with spaces", "POST", TENANTS, { name: "x", modelPolicy: { defaultModel: "gpt 4" } }],
  ["max tokens of 0", "POST", TENANTS, { name: "x", modelPolicy: { maxOutputTokens: 0 } }],
  ["max tokens not below the context", "POST", TENANTS, { name: "x", modelPolicy: { maxOutputTokens: 4000, contextTokens: 4000 } }, { message: /maxOutputTokens must be less than contextTokens/ }],
  ["system prompt with a NUL", "POST", TENANTS, { name: "x", modelPolicy: { systemPrompt: "be nice\u0000" } }, { message: /NUL/ }],
  ["provider URL of another scheme", "POST", TENANTS, { name: "x", provider: { baseUrl: "ftp://llm.example", apiKey: "k" } }, { message: /^provider\.baseUrl: / }],
  ["provider without a key", "POST", TENANTS, { name: "x", provider: { baseUrl: "https://llm.example/v1" } }, { message: /^provider\.apiKey: / }],
  ["provider URL with credentials", "POST", TENANTS, { name: "x", provider: { baseUrl: "https://u:p@llm.example/v1", apiKey: "k" } }],
  ["JWT secret under 32 characters", "POST", TENANTS, { name: "x", jwt: { secret: "short" } }, { message: /^jwt\.secret: at least 32/ }],
  ["JWKS over http elsewhere", "POST", TENANTS, { name: "x", jwt: { jwksUrl: "http://idp.example/jwks.json" } }, { message: /^jwt\.jwksUrl: / }],
  ["issuer with a NUL", "POST", TENANTS, { name: "x", jwt: { issuer: "iss\u0000" } }],
  ["unknown jwt field", "POST", TENANTS, { name: "x", jwt: { alg: "none" } }],
  ["patch: oversized name", "PATCH", SHOP, { name: "n".repeat(201) }],
  ["patch: id cannot change", "PATCH", SHOP, { id: "other" }],
  ["patch: origin with a path", "PATCH", SHOP, { allowedOrigins: ["https://shop.example/x"] }],
  ["patch: NUL in the audience", "PATCH", SHOP, { jwt: { audience: "a\u0000" } }],
];

const otherInputs: Case[] = [
  ["tenant id with a NUL in the path", "GET", `${TENANTS}/a%00b`, undefined, { message: /^tenantId: / }],
  ["tenant id in upper case in the path", "PATCH", `${TENANTS}/SHOP`, { name: "x" }],
  ["key kind unknown", "POST", `${SHOP}/keys`, { kind: "master" }, { message: /^kind: / }],
  ["key without kind", "POST", `${SHOP}/keys`, {}],
  ["oversized key name", "POST", `${SHOP}/keys`, { kind: "secret", name: "k".repeat(101) }],
  ["key id with a NUL", "DELETE", `${SHOP}/keys/key%00x`, undefined, { message: /^keyId: / }],
  ["key id too long", "POST", `${SHOP}/keys/${"k".repeat(129)}/rotate`],
  ["user id with a NUL", "GET", `${SHOP}/users/u%00x`, undefined, { message: /^userId: / }],
  ["user id with a NUL (delete)", "DELETE", `${SHOP}/users/u%00x`],
  ["user id with a space", "GET", `${SHOP}/users/${encodeURIComponent("a b")}/chats`],
  ["chat id with a NUL", "GET", `${SHOP}/users/user1/chats/c%00x`, undefined, { message: /^chatId: / }],
  ["limit 0", "GET", `${SHOP}/users?limit=0`, undefined, { message: /^limit: / }],
  ["limit 101", "GET", `${SHOP}/users?limit=101`],
  ["limit not a number", "GET", `${SHOP}/users?limit=ten`],
  ["limit given twice", "GET", `${SHOP}/users?limit=1&limit=2`],
  ["cursor not ours", "GET", `${SHOP}/users?cursor=garbage`, undefined, { message: /^cursor: / }],
  ["cursor with a NUL id", "GET", `${SHOP}/users?cursor=${Buffer.from(JSON.stringify(["2025-01-01T00:00:00Z", "a\u0000"])).toString("base64url")}`],
  ["cursor oversized", "GET", `${SHOP}/users?cursor=${"c".repeat(600)}`],
  ["since not a date", "GET", `${SHOP}/usage?since=yesterday`, undefined, { message: /^since: / }],
  ["since on a day that does not exist", "GET", `${SHOP}/usage?since=2025-02-31`],
  ["since without an offset", "GET", `${SHOP}/usage?since=2025-01-01T00:00:00`],
  ["since at hour 24", "GET", `${SHOP}/usage?since=2025-01-01T24:00:00Z`],
  ["until with a NUL", "GET", `${SHOP}/usage?until=2025-01-01%00`, undefined, { message: /^until: / }],
  ["since after until", "GET", `${SHOP}/usage?since=2025-02-01&until=2025-01-01`, undefined, { message: /since: must not be after until/ }],
];

describe("bad input to the admin API", () => {
  it.each([...tenantBodies, ...otherInputs])("%s → 400", async (_label, method, path, body, expected = {}) => {
    const reply = await operator.call(method, path, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(expected.status ?? 400);
    expect(reply.body.error.code).toBe(expected.code ?? "invalid_request");
    if (expected.message) expect(reply.body.error.message).toMatch(expected.message);
  });

  it("malformed JSON is 400 invalid_json, an oversized body 413 payload_too_large", async () => {
    const malformed = await operator.call("POST", TENANTS, "{name:");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("invalid_json");
    const huge = await operator.call("POST", TENANTS, { name: "x", modelPolicy: { systemPrompt: "p".repeat(300_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
  });

  it("changed nothing: the tenant and its keys are as they were", async () => {
    const list = await operator.call("GET", TENANTS);
    expect(list.body.tenants.map((t: { id: string }) => t.id).sort()).toEqual(["default", "shop"]);
    expect((await operator.call("GET", SHOP)).body).toMatchObject({ name: "Shop", allowedOrigins: [], jwt: { audience: null } });
    const keys = (await operator.call("GET", `${SHOP}/keys`)).body.keys;
    expect(keys).toEqual([expect.objectContaining({ id: keyId, revokedAt: null })]);
  });

  it("the bad key id still fails authentication first: no key, no details", async () => {
    const reply = await apiClient(server.url).call("DELETE", `${SHOP}/keys/key%00x`);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("invalid_key");
  });
});
