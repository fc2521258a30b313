/** Builds the renderer bundle with vite's API (used by scripts/serve.ts and the e2e helpers). */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export async function buildRenderer(): Promise<string> {
  const projectDir = fileURLToPath(new URL('..', import.meta.url));
  await build({ configFile: `${projectDir}vite.config.ts`, logLevel: 'warn' });
  return `${projectDir}dist/renderer`;
}
