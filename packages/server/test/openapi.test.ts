/**
 * GET /v1/openapi.json: the document covers every route the app serves (walked from Hono's own
 * route table, so a new route without `describeRoute` fails here), its shape is sound (3.1,
 * resolvable $refs, declared path parameters, known security schemes, one Error schema), and
 * its request schemas are the validators' own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { API_PATH, ERROR_CODES } from "@open-chat/shared";
import { startTestServer, type TestServer } from "@open-chat/testing";

type Operation = { responses?: Record<string, unknown>; parameters?: Array<{ in: string; name: string }>; security?: Array<Record<string, unknown>>; requestBody?: any };
type Document = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any>; securitySchemes: Record<string, unknown> };
};

const METHODS = ["get", "put", "post", "delete", "patch", "head"];

/** (method, path) pairs the app routes to a handler, in OpenAPI path syntax; `/*` stays a wildcard. */
function servedRoutes(routes: ReadonlyArray<{ method: string; path: string }>): string[] {
  const served = new Set<string>();
  for (const { method, path } of routes) {
    if (method === "ALL" || method === "OPTIONS") continue; // middleware and CORS preflights
    const openApiPath = path.replace(/:(\w+)(\{[^}]*\})?\??/g, "{$1}");
    served.add(`${method} ${openApiPath}`);
  }
  return [...served].sort();
}

/** Served routes the document has no operation for. A wildcard needs one documented path below it. */
function missingFrom(document: Document, served: string[]): string[] {
  return served.filter((route) => {
    const [method, path] = route.split(" ") as [string, string];
    const verb = method.toLowerCase();
    if (path.endsWith("/*")) {
      const prefix = path.slice(0, -1);
      return !Object.entries(document.paths).some(([p, item]) => p.startsWith(prefix) && item[verb]);
    }
    return !document.paths[path]?.[verb];
  });
}

let server: TestServer;
let document: Document;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}${API_PATH.openapi}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  document = (await response.json()) as Document;
});
afterAll(async () => {
  await server?.close();
});

describe("the OpenAPI document", () => {
  it("has an operation for every route the app serves", () => {
    const served = servedRoutes(server.server.app.routes);
    expect(served.length).toBeGreaterThan(20);
    expect(missingFrom(document, served)).toEqual([]);
  });

  it("catches a route that was added without a description", () => {
    const undocumented = new Hono().get("/v1/chats/:chatId/undocumented", (c) => c.text("")).post("/v1/undocumented/*", (c) => c.text(""));
    const served = servedRoutes([...server.server.app.routes, ...undocumented.routes]);
    expect(missingFrom(document, served)).toEqual(["GET /v1/chats/{chatId}/undocumented", "POST /v1/undocumented/*"]);
  });

  it("is a sound OpenAPI 3.1 document", () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["adminKey", "publishableKey", "sessionToken"]);
    for (const [path, item] of Object.entries(document.paths)) {
      expect(path.startsWith("/"), path).toBe(true);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS, `${method} ${path}`).toContain(method);
        const statuses = Object.keys(operation.responses ?? {});
        expect(statuses.some((s) => s.startsWith("2")), `${method} ${path} has a success response`).toBe(true);
        const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(declared.sort(), `${method} ${path} declares its path parameters`).toEqual([...templated].sort());
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) expect(document.components.securitySchemes, `${method} ${path}`).toHaveProperty(scheme);
        }
        // /readyz answers 503 with its own probe body; every other failure is an Error.
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (Number(status) >= 400 && path !== API_PATH.readyz) expect(JSON.stringify(response), `${method} ${path} ${status}`).toContain('"$ref":"#/components/schemas/Error"');
        }
      }
    }
  });

  it("resolves every $ref inside the document", () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref.startsWith("#/"), ref).toBe(true);
      const target = ref
        .slice(2)
        .split("/")
        .reduce<any>((node, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], document);
      expect(target, ref).toBeDefined();
    }
  });

  it("documents errors with the one Error schema and every error code", () => {
    const error = document.components.schemas.Error;
    expect(error.required).toEqual(["error"]);
    expect(error.properties.error.required).toEqual(["code", "message"]);
    expect(error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
  });

  it("takes request schemas from the validators", () => {
    const create = document.paths["/v1/admin/tenants"]!.post!;
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["name"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["id", "name", "allowedOrigins", "guestsAllowed", "modelPolicy", "provider", "jwt"]));
    expect(create.security).toEqual([{ adminKey: [] }]);

    const send = document.paths["/v1/chats/{chatId}/messages"]!.post!;
    expect(send.requestBody.content["application/json"].schema.required).toEqual(["clientMessageId"]);

    const users = document.paths["/v1/admin/tenants/{tenantId}/users"]!.get!;
    expect(users.parameters!.filter((p) => p.in === "query").map((p) => p.name)).toEqual(["limit", "cursor"]);
    const jwt = document.paths["/v1/auth/sign-in/jwt"]!.post!;
    expect(jwt.requestBody.content["application/json"].schema.required).toEqual(["token"]);
  });

  it("is served the same on every request", async () => {
    const again = await (await fetch(`${server.url}${API_PATH.openapi}`)).json();
    expect(again).toEqual(document);
  });
});
