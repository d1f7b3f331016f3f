/** The systems a load step can run against (configs.ts starts them). */
export type ConfigName = "proxy" | "bun" | "embedded";

export const CONFIG_LABELS: Record<ConfigName, string> = {
  proxy: "pass-through proxy (no durability)",
  bun: "ours, Bun streams-server (tuned)",
  embedded: "ours, embedded streams-local",
};
