/**
 * `bash scripts/start.sh` restarts an unchanged checkout without reinstalling or rebuilding:
 * scripts/build-if-changed.mjs builds only packages whose inputs changed (and their
 * dependents), checked here on a throw-away git workspace; bootstrap.sh skips `pnpm install`
 * when the lockfile and manifests are what the last install saw, checked on this checkout.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
// @ts-expect-error: a plain ESM script of the repo, without type declarations
import { buildIfChanged } from "../../../scripts/build-if-changed.mjs";

const repoRoot = join(import.meta.dirname, "../../..");
let root: string;

function write(path: string, text: string) {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
}

const manifest = (name: string, deps: Record<string, string> = {}) => JSON.stringify({ name, scripts: { build: "x" }, dependencies: deps });

/** Runs the builder with a build that writes dist/; answers the packages it built. */
function run(): string[] {
  return buildIfChanged(root, {
    build: (pkg: { dir: string }) => mkdirSync(join(pkg.dir, "dist"), { recursive: true }),
  }) as string[];
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "open-chat-build-"));
  write("packages/a/package.json", manifest("@open-chat/a"));
  write("packages/a/src/index.ts", "export const a = 1;\n");
  write("packages/a/test/a.test.ts", "// a test\n");
  write("packages/b/package.json", manifest("@open-chat/b", { "@open-chat/a": "workspace:*" }));
  write("packages/b/src/index.ts", "export const b = 2;\n");
  write("apps/c/package.json", manifest("@open-chat/c"));
  write("apps/c/src/main.ts", "console.log(3);\n");
  write(".gitignore", "dist\n");
  execFileSync("git", ["init", "-q"], { cwd: root });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("an unchanged workspace builds nothing; a change rebuilds that package and its dependents only", () => {
  expect(run().sort()).toEqual(["@open-chat/a", "@open-chat/b", "@open-chat/c"]);
  expect(run()).toEqual([]);

  write("packages/b/src/index.ts", "export const b = 20;\n");
  expect(run()).toEqual(["@open-chat/b"]);

  write("packages/a/src/index.ts", "export const a = 10;\n");
  expect(run()).toEqual(["@open-chat/a", "@open-chat/b"]);

  write("packages/a/test/a.test.ts", "// tests do not change the build\n");
  write("packages/a/README.md", "docs neither\n");
  expect(run()).toEqual([]);

  write("apps/c/src/extra.ts", "export {};\n"); // a new, not yet committed file counts
  expect(run()).toEqual(["@open-chat/c"]);

  rmSync(join(root, "packages/a/dist"), { recursive: true }); // a lost build is rebuilt
  expect(run()).toEqual(["@open-chat/a"]);
});

test("bootstrap skips the install when nothing it depends on changed", () => {
  // The first run installs only if a manifest changed since the last install; the second must not.
  const bootstrap = () => execFileSync("bash", ["-c", "source scripts/bootstrap.sh"], { cwd: repoRoot, encoding: "utf8", env: { ...process.env } });
  bootstrap();
  expect(bootstrap()).toContain("bootstrap: dependencies up to date");
});
