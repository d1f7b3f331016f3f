/**
 * The hook of hono-openapi's `validator(target, schema, hook)` for query and path parameters:
 * a value that does not match is `400 invalid_request` naming the parameter, the same answer
 * `readJson` (body.ts) gives for bodies.
 *
 * @example
 * .get("/", validator("query", ListQuery, rejectInvalid), (c) => c.req.valid("query"))
 */
import { ApiError } from "./api-error.js";

interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export function rejectInvalid(result: { success: boolean; error?: readonly Issue[]; target: string }): void {
  if (result.success) return;
  const issue = result.error?.[0];
  const path = issue?.path?.map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".");
  const message = issue?.message ?? "invalid value";
  throw new ApiError(400, "invalid_request", path ? `${path}: ${message}` : `${result.target}: ${message}`);
}
