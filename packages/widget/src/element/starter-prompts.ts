/**
 * The `starter-prompts` attribute: a JSON array of strings. The shell parses it (the view gets
 * the array); anything that is not such an array is refused loudly in the console and shows no chips.
 */
export const STARTER_PROMPTS = "starter-prompts";

let last: { value: string; prompts: string[] } | undefined;

/** The prompts of an attribute value (the last one is remembered: one warning per bad value, not per render). */
export function parseStarterPrompts(value: string | null): string[] {
  if (!value) return [];
  if (last?.value !== value) last = { value, prompts: parse(value) };
  return last.prompts;
}

function parse(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed) && parsed.every((prompt) => typeof prompt === "string")) return parsed;
  } catch {
    // Reported below.
  }
  console.warn(`open-chat: invalid_starter_prompts: the starter-prompts attribute takes a JSON array of strings, e.g. '["What can you do?"]'; got ${JSON.stringify(value.slice(0, 80))}`);
  return [];
}
