/**
 * Node-only development tool (never bundled into the app): builds the standalone harness page
 * (harness.html + harness.tsx) into a folder with esbuild, for the browser tests and for a look by
 * hand: `node --import tsx renderer/viewer/buildHarness.ts OUT_DIR`, then open OUT_DIR/harness.html.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildHarness(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'harness.tsx')],
    outfile: join(outDir, 'harness.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  copyFileSync(join(here, 'harness.html'), join(outDir, 'harness.html'));
  return join(outDir, 'harness.html');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: buildHarness.ts OUT_DIR');
    process.exit(2);
  }
  console.log(await buildHarness(resolve(out)));
}
