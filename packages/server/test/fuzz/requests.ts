/**
 * The fuzz suite's requests: the operations of the server's own OpenAPI document, arbitraries
 * of requests for each (valid ids of the caller's own objects or nasty values in the path,
 * query and headers; bodies generated from the operation's JSON schema or from the corpus),
 * and the executor that sends one with a deadline and checks the one rule: 2xx, or a 4xx with
 * `{ error: { code } }` of a known code — never a 5xx, never a hang.
 */
import fc from "fast-check";
import { HEADER, isErrorCode } from "@open-chat/shared";
import { CONTENT_TYPES, NASTY_BODIES, NASTY_OFFSETS, NASTY_STRINGS, WEIRD_AUTHORIZATIONS, encodeComponent, headerSafe, nastyJson, nastyString } from "./corpus.js";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  $ref?: string;
};

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. `/v1/chats/{chatId}/events`. */
  path: string;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: JsonSchema }>;
  headerParams: string[];
  body: JsonSchema | undefined;
  /** Who may call it: an end user (session + publishable key), a site before sign-in, an admin key, anyone. */
  caller: "endUser" | "site" | "admin" | "public";
}

/** Every operation of the document (`GET /v1/openapi.json`). */
export function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters: Array<{ name: string; in: string; schema?: JsonSchema }> = operation.parameters ?? [];
      const security: Array<Record<string, unknown>> | undefined = operation.security;
      const schemes = new Set((security ?? []).flatMap((option) => Object.keys(option)));
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === "query").map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        headerParams: parameters.filter((p) => p.in === "header").map((p) => p.name),
        body: operation.requestBody?.content?.["application/json"]?.schema,
        caller: schemes.has("adminKey") ? "admin" : schemes.has("sessionToken") ? "endUser" : schemes.has("publishableKey") ? "site" : "public",
      });
    }
  }
  return operations;
}

/** What the fuzz knows of the world: the callers' credentials and valid ids of their own objects. */
export interface FuzzWorld {
  url: string;
  endUser: { token: string; publishableKey: string; origin: string };
  admin: { operatorKey: string; secretKey: string };
  /** A valid value of a path parameter for this operation (for deletes: a fresh object), or undefined. */
  validParam(op: Operation, name: string): Promise<string | undefined>;
  /** A valid value of a query parameter, or undefined. */
  validQuery(op: Operation, name: string): string | undefined;
  /** A well-formed body for this operation (the corpus varies everything else around it). */
  validBody(op: Operation): unknown;
  /** A throwaway end user's token (for sign-out and deleting oneself). */
  freshEndUserToken(): Promise<string>;
}

/** One generated request, before the valid ids are filled in. */
export interface FuzzRequest {
  op: Operation;
  /** Per path parameter: `valid` (the caller's own object) or a nasty string. */
  params: Record<string, { valid: true } | { value: string }>;
  query: Record<string, { valid: true } | { value: string }>;
  headers: Record<string, string>;
  /** Credentials: the role's own, or an abused variant. */
  auth: { kind: "own" } | { kind: "none" } | { kind: "authorization"; value: string } | { kind: "wrongRole" };
  siteKey: "own" | "none" | "secret" | { value: string };
  origin: "own" | "none" | { value: string };
  body: { kind: "none" } | { kind: "valid" } | { kind: "json"; value: unknown } | { kind: "raw"; label: string } | { kind: "chunked"; bytes: number };
  contentType: string | undefined;
}

const validOr = (nasty: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant({ valid: true } as const) }, { weight: 2, arbitrary: nasty.map((value) => ({ value })) });

/** Values for a JSON schema: mostly of its type and pattern, now and then anything at all. */
export function fromSchema(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return nastyJson;
  const typed = typedFromSchema(schema, depth);
  return fc.oneof({ weight: 5, arbitrary: typed }, { weight: 1, arbitrary: nastyJson });
}

function typedFromSchema(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fromSchema(s, depth + 1)));
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), nastyString);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const properties = schema.properties ?? {};
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, fromSchema(value, depth + 1)])),
        { requiredKeys: [] },
      );
      return fc.oneof({ weight: 4, arbitrary: record }, { weight: 1, arbitrary: fc.tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), nastyJson, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a })) });
    }
    case "array":
      return fc.array(fromSchema(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 5) + 1 });
    case "string": {
      const valid = schema.pattern ? fc.stringMatching(new RegExp(schema.pattern)) : fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
      const filtered = valid.filter((s) => s.length <= (schema.maxLength ?? Infinity) && s.length >= (schema.minLength ?? 0));
      return fc.oneof({ weight: 3, arbitrary: filtered }, { weight: 2, arbitrary: nastyString }, { weight: 1, arbitrary: fc.constant("s".repeat((schema.maxLength ?? 1000) + 1)) });
    }
    case "integer":
    case "number":
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 2 ** 31) }),
        fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, (schema.maximum ?? 0) + 1, (schema.minimum ?? 0) - 1),
      );
    case "boolean":
      return fc.oneof(fc.boolean(), fc.constantFrom("true", 1, null));
    case "null":
      return fc.constant(null);
    default:
      // No type (e.g. a message's `text`, checked by the handler): mostly text, now and then anything.
      return fc.oneof({ weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) }, { weight: 1, arbitrary: nastyJson });
  }
}

/** A request for `op`, mostly well-formed with one or two nasty parts. */
export function requestOf(op: Operation): fc.Arbitrary<FuzzRequest> {
  const offsetLike = fc.oneof(fc.constantFrom(...NASTY_OFFSETS), nastyString);
  const bodyArb: fc.Arbitrary<FuzzRequest["body"]> = op.body
    ? fc.oneof(
        { weight: 8, arbitrary: fromSchema(op.body).map((value) => ({ kind: "json" as const, value })) },
        { weight: 2, arbitrary: fc.constant({ kind: "valid" as const }) },
        { weight: 2, arbitrary: fc.constantFrom(...NASTY_BODIES.map((b) => b.label)).map((label) => ({ kind: "raw" as const, label })) },
        { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
      )
    : fc.oneof({ weight: 6, arbitrary: fc.constant({ kind: "none" as const }) }, { weight: 1, arbitrary: nastyJson.map((value) => ({ kind: "json" as const, value })) });
  return fc.record({
    op: fc.constant(op),
    params: fc.record(Object.fromEntries(op.pathParams.map((name) => [name, validOr(nastyString)]))),
    query: fc.record(
      Object.fromEntries(op.queryParams.map((q) => [q.name, fc.option(validOr(q.name === "offset" ? offsetLike : nastyString), { nil: undefined, freq: 3 })])),
      { requiredKeys: [] },
    ) as fc.Arbitrary<FuzzRequest["query"]>,
    headers: fc.record(
      Object.fromEntries(
        op.headerParams.map((name) => [name, (name === HEADER.lastEventId ? offsetLike : nastyString).map(headerSafe)]),
      ),
      { requiredKeys: [] },
    ),
    auth: fc.oneof(
      { weight: 8, arbitrary: fc.constant({ kind: "own" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "wrongRole" as const }) },
      { weight: 2, arbitrary: fc.constantFrom(...WEIRD_AUTHORIZATIONS).map((value) => ({ kind: "authorization" as const, value })) },
    ),
    siteKey: fc.oneof({ weight: 10, arbitrary: fc.constant("own" as const) }, fc.constantFrom("none" as const, "secret" as const), nastyString.map((value) => ({ value: headerSafe(value) }))),
    origin: fc.oneof({ weight: 10, arbitrary: fc.constant("own" as const) }, fc.constant("none" as const), fc.constantFrom("null", "https://evil.example", "https://shop.example.evil.example", "http://shop.example").map((value) => ({ value }))),
    body: bodyArb,
    contentType: fc.oneof({ weight: 6, arbitrary: fc.constant("application/json") }, fc.constantFrom(...CONTENT_TYPES)),
  }) as fc.Arbitrary<FuzzRequest>;
}

/** What one request did: its status, or why it is a finding. */
export interface Outcome {
  status: number;
  finding?: string;
}

/** How long one request may take before it counts as a hang. */
export const REQUEST_DEADLINE_MS = 15_000;

/** Sends `request` and checks it: never 5xx, never a hang, every 4xx with a known error code. */
export async function execute(world: FuzzWorld, request: FuzzRequest): Promise<Outcome> {
  const { op } = request;
  const path = await resolvePath(world, request);
  if (path === null) return { status: 0 };
  const query = Object.entries(request.query)
    .filter((entry): entry is [string, { valid: true } | { value: string }] => entry[1] !== undefined)
    .map(([name, choice]) => {
      const value = "valid" in choice ? world.validQuery(op, name) : choice.value;
      return value === undefined ? null : `${encodeURIComponent(name)}=${encodeComponent(value)}`;
    })
    .filter((part) => part !== null);
  const url = `${world.url}${path}${query.length ? `?${query.join("&")}` : ""}`;
  const headers = await headersOf(world, request);
  const body = bodyOf(world, request);
  const init: RequestInit & { duplex?: "half" } = { method: op.method, headers, signal: AbortSignal.timeout(REQUEST_DEADLINE_MS) };
  if (body !== undefined && op.method !== "GET" && op.method !== "HEAD") {
    init.body = body;
    if (body instanceof ReadableStream) init.duplex = "half";
  }
  const label = `${op.method} ${url.slice(world.url.length, world.url.length + 160)}`;
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { status: -1, finding: `${label}: no answer (${describe(error)})` };
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    // A live tail: its status and headers are the answer; the stream itself is not waited for.
    await response.body?.cancel().catch(() => {});
    return check(label, response.status, null);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { status: response.status, finding: `${label}: the body did not arrive (${describe(error)})` };
  }
  return check(label, response.status, text);
}

function check(label: string, status: number, text: string | null): Outcome {
  if (status >= 500) return { status, finding: `${label}: ${status} ${text?.slice(0, 300)}` };
  if (status >= 400) {
    let code: unknown;
    try {
      code = (JSON.parse(text ?? "") as { error?: { code?: unknown } }).error?.code;
    } catch {
      code = undefined;
    }
    if (!isErrorCode(code)) return { status, finding: `${label}: ${status} without a known error code: ${text?.slice(0, 300)}` };
  }
  return { status };
}

async function resolvePath(world: FuzzWorld, request: FuzzRequest): Promise<string | null> {
  let path = request.op.path;
  for (const name of request.op.pathParams) {
    const choice = request.params[name]!;
    const value = "valid" in choice ? await world.validParam(request.op, name) : choice.value;
    if (value === undefined) return null;
    // A nasty value goes on the wire as it is spelled, not as a path the URL parser would normalise.
    path = path.replace(`{${name}}`, value === "" ? "" : encodeComponent(value).replace(/^\.\.?$/, (dots) => dots.replaceAll(".", "%2E")));
  }
  return path;
}

async function headersOf(world: FuzzWorld, request: FuzzRequest): Promise<Headers> {
  const { op } = request;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name, value);
  if (request.contentType && request.body.kind !== "none") headers.set("Content-Type", request.contentType);
  if (op.caller === "public") return headers;
  const ownToken = op.caller === "admin" ? world.admin.operatorKey : await ownEndUserToken(world, op);
  const authorization = (() => {
    switch (request.auth.kind) {
      case "own":
        return op.caller === "site" ? undefined : `Bearer ${ownToken}`;
      case "none":
        return undefined;
      case "wrongRole":
        return op.caller === "admin" ? `Bearer ${world.endUser.token}` : `Bearer ${world.admin.secretKey}`;
      case "authorization":
        return headerSafe(request.auth.value.replaceAll("{token}", ownToken));
    }
  })();
  if (authorization !== undefined) headers.set("Authorization", authorization);
  if (op.caller === "admin") {
    // Now and then the tenant's own secret key instead of the operator's.
    if (request.auth.kind === "own" && request.siteKey === "secret") headers.set("Authorization", `Bearer ${world.admin.secretKey}`);
    return headers;
  }
  const key = request.siteKey === "own" ? world.endUser.publishableKey : request.siteKey === "secret" ? world.admin.secretKey : request.siteKey === "none" ? undefined : request.siteKey.value;
  if (key !== undefined) headers.set(HEADER.publishableKey, key);
  const origin = request.origin === "own" ? world.endUser.origin : request.origin === "none" ? undefined : request.origin.value;
  if (origin !== undefined) headers.set("Origin", origin);
  return headers;
}

/** Signing out and deleting oneself end the caller: those run as a throwaway user. */
async function ownEndUserToken(world: FuzzWorld, op: Operation): Promise<string> {
  const endsTheCaller = op.path.endsWith("/sign-out") || (op.method === "DELETE" && op.pathParams.length === 0);
  return endsTheCaller ? world.freshEndUserToken() : world.endUser.token;
}

function bodyOf(world: FuzzWorld, request: FuzzRequest): BodyInit | undefined {
  const { body } = request;
  switch (body.kind) {
    case "none":
      return undefined;
    case "valid":
      return JSON.stringify(world.validBody(request.op) ?? {});
    case "json":
      return JSON.stringify(body.value) ?? "null";
    case "raw": {
      const raw = NASTY_BODIES.find((b) => b.label === body.label)!.body();
      return typeof raw === "string" ? raw : new Blob([raw as Uint8Array<ArrayBuffer>]);
    }
    case "chunked":
      return chunkedSpaces(body.bytes);
  }
}

/** `bytes` of JSON whitespace, streamed 64 KiB at a time (Transfer-Encoding: chunked). */
export function chunkedSpaces(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(chunk.byteLength, bytes - sent);
      controller.enqueue(chunk.subarray(0, size));
      sent += size;
    },
  });
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${describe(cause)})` : ""}`;
}

/** The corpus sweep for one operation: each nasty value in each place, the rest well-formed. */
export function corpusRequests(op: Operation): FuzzRequest[] {
  const base: FuzzRequest = {
    op,
    params: Object.fromEntries(op.pathParams.map((name) => [name, { valid: true as const }])),
    query: {},
    headers: {},
    auth: { kind: "own" },
    siteKey: "own",
    origin: "own",
    body: op.body ? { kind: "valid" } : { kind: "none" },
    contentType: "application/json",
  };
  const requests: FuzzRequest[] = [base];
  for (const name of op.pathParams) for (const value of NASTY_STRINGS) requests.push({ ...base, params: { ...base.params, [name]: { value } } });
  for (const { name } of op.queryParams) {
    for (const value of name === "offset" ? [...NASTY_OFFSETS, ...NASTY_STRINGS.slice(0, 20)] : NASTY_STRINGS.slice(0, -1)) requests.push({ ...base, query: { [name]: { value } } });
  }
  for (const name of op.headerParams) for (const value of [...NASTY_OFFSETS, ...NASTY_STRINGS.slice(0, -2)]) requests.push({ ...base, headers: { [name]: headerSafe(value) } });
  if (op.caller !== "public") for (const value of WEIRD_AUTHORIZATIONS) requests.push({ ...base, auth: { kind: "authorization", value } });
  if (op.body || op.method !== "GET") {
    for (const { label } of NASTY_BODIES) requests.push({ ...base, body: { kind: "raw", label } });
    for (const contentType of CONTENT_TYPES) requests.push({ ...base, contentType, body: { kind: "raw", label: "half an object" } });
    requests.push({ ...base, body: { kind: "chunked", bytes: 2 * 1024 * 1024 } });
  }
  return requests;
}
