import type { BuildOptions } from "esbuild";

export const root: string;
export function npmOptions(): BuildOptions;
export function cdnOptions(options?: { minify?: boolean; outdir?: string }): BuildOptions & { metafile: true };
