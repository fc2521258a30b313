/** Builds the renderer bundle with vite's API (used by scripts/serve.ts and the e2e helpers). */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Into dist/renderer by default; `outDir` (absolute) for a build of one's own. Returns the folder. */
export async function buildRenderer(outDir?: string): Promise<string> {
  const projectDir = fileURLToPath(new URL('..', import.meta.url));
  await build({ configFile: `${projectDir}vite.config.ts`, logLevel: 'warn', ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}) });
  return outDir ?? `${projectDir}dist/renderer`;
}
