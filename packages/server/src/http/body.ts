/**
 * Request-body parsing with the API's error codes: malformed JSON is `400 invalid_json`, a
 * body over the limit is `413 payload_too_large`, a body of the wrong shape is
 * `400 invalid_request` naming the field.
 */
import type { Context } from "hono";
import * as v from "valibot";
import { ApiError } from "./api-error.js";

/** Largest JSON body accepted by any endpoint (a 32k-character message fits with room). */
export const MAX_BODY_BYTES = 256 * 1024;

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const raw = await c.req.text();
  if (new TextEncoder().encode(raw).byteLength > MAX_BODY_BYTES) throw tooLarge();
  let value: unknown;
  try {
    value = raw === "" ? {} : JSON.parse(raw);
  } catch {
    throw new ApiError(400, "invalid_json", "request body is not valid JSON");
  }
  const result = v.safeParse(schema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join(".");
    throw new ApiError(400, "invalid_request", path ? `${path}: ${issue.message}` : issue.message);
  }
  return result.output;
}

function tooLarge(): ApiError {
  return new ApiError(413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);
}
