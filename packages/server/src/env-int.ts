/**
 * A whole number of an environment variable, with the variable's name in the error: read by
 * config.ts for every numeric setting, and by cli/v8-start-flags.ts before the server loads.
 */
export function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}
