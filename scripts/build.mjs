#!/usr/bin/env node
// Builds what `electron .` and electron-builder need:
//   dist/renderer/            the React UI (vite)
//   dist/main/electron-main.js  Electron main process (ESM)
//   dist/main/job-worker.js     the job worker thread entry (ESM; job kinds bundled in)
//   dist/main/preload.cjs       the sandboxed preload (CommonJS, self-contained)
// Main and worker keep npm packages external (they ship in node_modules, native ones like
// onnxruntime-node cannot be bundled); the sandboxed preload may only require('electron'), so
// everything else is bundled into it.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.includes('--main-only') ? 'main' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';

if (only !== 'main') {
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: 'warn' });
  console.log('built dist/renderer');
}
if (only !== 'renderer') {
  rmSync(`${root}dist/main`, { recursive: true, force: true });
  const common = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // Vite/tsx only exist in development; the bundle never reaches the code that imports them.
    external: ['electron', 'vite', 'tsx', 'tsx/*'],
  };
  await esbuild({
    ...common,
    entryPoints: { 'electron-main': 'main/electron/main.ts', 'job-worker': 'main/app/jobs/worker-entry.ts' },
    outdir: 'dist/main',
    format: 'esm',
    packages: 'external',
    outExtension: { '.js': '.js' },
  });
  await esbuild({
    ...common,
    entryPoints: { preload: 'main/electron/preload.ts' },
    outdir: 'dist/main',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  });
  console.log('built dist/main (electron-main.js, job-worker.js, preload.cjs)');
}
