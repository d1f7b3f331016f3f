/**
 * WORKERS: how many processes `open-chat serve` runs. A cluster needs both Postgres and a
 * remote streams tier; the embedded PGlite and streams-local serve one process only.
 */
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { workerPlan } from "../src/cluster-plan.js";

const remote = { databaseUrl: "postgres://db/app", streamsUrl: "http://tier:4437" };

describe("workerPlan", () => {
  it("runs one worker per usable core by default (and for WORKERS=auto) when nothing is embedded", () => {
    expect(workerPlan({}, remote)).toEqual({ workers: availableParallelism() });
    expect(workerPlan({ WORKERS: "auto" }, remote)).toEqual({ workers: availableParallelism() });
    expect(workerPlan({ WORKERS: "3" }, remote)).toEqual({ workers: 3 });
    expect(workerPlan({ WORKERS: "1" }, remote)).toEqual({ workers: 1 });
  });

  it("stays one process when PGlite or streams-local is embedded, and says why when WORKERS asked for more", () => {
    expect(workerPlan({}, {})).toEqual({ workers: 1 });
    expect(workerPlan({}, { databaseUrl: remote.databaseUrl })).toEqual({ workers: 1 });
    expect(workerPlan({ WORKERS: "4" }, { databaseUrl: remote.databaseUrl })).toEqual({
      workers: 1,
      note: "WORKERS=4 ignored: the embedded streams-local (STREAMS_URL unset) serves one process only",
    });
    expect(workerPlan({ WORKERS: "2" }, {}).note).toMatch(/PGlite \(DATABASE_URL unset\) and streams-local/);
  });

  it("refuses a WORKERS that is not a positive integer, naming the variable", () => {
    for (const bad of ["0", "-1", "1.5", "two"]) {
      expect(() => workerPlan({ WORKERS: bad }, remote)).toThrow(`WORKERS must be a positive integer or "auto", got ${JSON.stringify(bad)}`);
    }
  });
});
