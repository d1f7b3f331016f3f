// Builds dist/ (npm ESM + declarations) and dist/cdn/ (self-registering script-tag bundle).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { build } from "esbuild";
import { cdnOptions, npmOptions, root } from "./bundles.mjs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
await Promise.all([build(npmOptions()), build(cdnOptions())]);
execFileSync("tsc", ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
console.log("built dist/ (npm) and dist/cdn/open-chat.js (script tag)");
