import type { BuildOptions } from 'esbuild';
export function mainBundleOptions(root: string, outdir: string): BuildOptions;
export function preloadBundleOptions(root: string, outdir: string): BuildOptions;
export function cliBundleOptions(root: string, outdir: string): BuildOptions & { metafile: true };
