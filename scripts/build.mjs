#!/usr/bin/env node
// Builds what `electron .` and electron-builder need:
//   dist/renderer/            the React UI (vite)
//   dist/main/electron-main.js  Electron main process (ESM)
//   dist/main/job-worker.js     the job worker thread entry (ESM; job kinds bundled in)
//   dist/main/preload.cjs       the sandboxed preload (CommonJS, self-contained)
// (esbuild options and the reasons for them: scripts/bundle-options.mjs)
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { mainBundleOptions, preloadBundleOptions } from './bundle-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.includes('--main-only') ? 'main' : process.argv.includes('--renderer-only') ? 'renderer' : 'all';

if (only !== 'main') {
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: 'warn' });
  console.log('built dist/renderer');
}
if (only !== 'renderer') {
  rmSync(`${root}dist/main`, { recursive: true, force: true });
  await esbuild(mainBundleOptions(root, 'dist/main'));
  await esbuild(preloadBundleOptions(root, 'dist/main'));
  console.log('built dist/main (electron-main.js, job-worker.js, step-worker.js, preload.cjs)');
}
