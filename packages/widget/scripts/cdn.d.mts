import type { BuildOptions, Plugin } from "esbuild";

export const root: string;
export const cdnOutDir: string;
export function cdnOptions(options?: { minify?: boolean }): BuildOptions & {
  entryPoints: Record<string, string>;
  format: "esm";
  platform: "browser";
  target: string;
  splitting: boolean;
  minify: boolean;
  conditions: string[];
  define: Record<string, string>;
  chunkNames: string;
  legalComments: "linked";
  plugins: Plugin[];
};
