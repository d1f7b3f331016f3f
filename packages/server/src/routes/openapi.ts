/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of the whole API, generated from the app's
 * routes and their schemas (http/openapi.ts) on the first request, then served from memory.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { API_PATH } from "@open-chat/shared";
import { buildOpenApiDocument, type OpenApiDocument } from "../http/openapi.js";

export function openApiRoutes(app: Hono<any, any, any>): Hono {
  let document: Promise<OpenApiDocument> | undefined;
  return new Hono().get(
    API_PATH.openapi,
    describeRoute({ tags: ["meta"], summary: "This OpenAPI 3.1 document", responses: { 200: { description: "The document", content: { "application/json": { schema: { type: "object" } } } } } }),
    async (c) => {
      if (!document) {
        document = buildOpenApiDocument(app);
        // A failed build is not kept: the next request tries again.
        document.catch(() => (document = undefined));
      }
      return c.json(await document);
    },
  );
}
