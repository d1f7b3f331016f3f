// Prints one closing line for the whole test run, "tests: N passed, N failed", summed from the
// runners' own summaries in the log: vitest's "Tests  N passed", and for each Web Test Runner
// run (it redraws its progress line, so its summary appears more than once) the last
// "N passed, N failed".
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2], "utf8").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
let passed = 0;
let failed = 0;
for (const match of text.matchAll(/^\s*Tests\s+(?:(\d+) failed\s*\|\s*)?(\d+) passed/gm)) {
  failed += Number(match[1] ?? 0);
  passed += Number(match[2]);
}
for (const run of text.split(/web-test-runner --config/).slice(1)) {
  const last = [...run.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  if (last) {
    passed += Number(last[1]);
    failed += Number(last[2]);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
