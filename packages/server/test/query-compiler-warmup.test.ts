/**
 * The start loads Prisma's query compiler ahead of the first query (db/client.ts
 * warmQueryCompiler) by naming the module the generated client imports. A Prisma upgrade that
 * renames it must fail here — the warm-up itself only stops helping — and a module that cannot
 * be loaded must not stop a start.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QUERY_COMPILER_MODULE, warmQueryCompiler } from "../src/db/client.js";

describe("warmQueryCompiler", () => {
  it("loads the very module the generated client imports for its query compiler", async () => {
    const generated = readFileSync(new URL("../src/generated/prisma/internal/class.ts", import.meta.url), "utf8");
    expect(generated).toContain(`import(${JSON.stringify(QUERY_COMPILER_MODULE)})`);
    await expect(import(QUERY_COMPILER_MODULE)).resolves.toHaveProperty("wasm");
    await expect(warmQueryCompiler()).resolves.toBeUndefined();
  });

  it("resolves when the module is not there: a warm-up never fails a start", async () => {
    await expect(warmQueryCompiler("@prisma/client/runtime/no-such-module.mjs")).resolves.toBeUndefined();
  });
});
