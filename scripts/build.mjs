#!/usr/bin/env node
// Builds what `electron .`, electron-builder and the `n2s` command need:
//   dist/renderer/              the React UI (vite)
//   dist/main/electron-main.js  Electron main process (ESM)
//   dist/main/job-worker.js     the job worker thread entry (ESM; job kinds bundled in)
//   dist/main/preload.cjs       the sandboxed preload (CommonJS, self-contained)
//   dist/cli/n2s.js             the command line, precompiled (bin/n2s.mjs runs it when up to date)
// (esbuild options and the reasons for them: scripts/bundle-options.mjs)
//
//   node scripts/build.mjs [--main-only | --renderer-only | --cli-only] [--out DIR]
// --out puts dist/* under DIR instead of the project's dist/ (the bundle tests build there).
// --cli-only is what `npm ci` runs (the `prepare` script): fast, offline, and a no-op with a note
// when esbuild is absent (an install without devDependencies), since bin/n2s.mjs then uses tsx.
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const outIndex = argv.indexOf('--out');
const out = outIndex >= 0 && argv[outIndex + 1] ? resolve(argv[outIndex + 1]) : `${root}dist`;
const only = flag('--main-only') ? 'main' : flag('--renderer-only') ? 'renderer' : flag('--cli-only') ? 'cli' : 'all';

let esbuild;
try {
  ({ build: esbuild } = await import('esbuild'));
} catch (e) {
  if (only === 'cli') {
    console.log(`n2s: not precompiling the command line (esbuild is not installed: ${e.code ?? e.message}); bin/n2s.mjs will use tsx`);
    process.exit(0);
  }
  throw e;
}
const { mainBundleOptions, preloadBundleOptions, cliBundleOptions } = await import('./bundle-options.mjs');

if (only === 'all' || only === 'renderer') {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: 'warn', build: out === `${root}dist` ? {} : { outDir: `${out}/renderer`, emptyOutDir: true } });
  console.log(`built ${out}/renderer`);
}
if (only === 'all' || only === 'main') {
  rmSync(`${out}/main`, { recursive: true, force: true });
  await esbuild(mainBundleOptions(root, `${out}/main`));
  await esbuild(preloadBundleOptions(root, `${out}/main`));
  console.log(`built ${out}/main (electron-main.js, job-worker.js, step-worker.js, preload.cjs)`);
}
if (only === 'all' || only === 'cli') {
  // Built next to its final place and moved in, so a command started meanwhile never sees half a bundle.
  const tmp = `${out}/cli.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const r = await esbuild(cliBundleOptions(root, tmp));
  writeFileSync(`${tmp}/inputs.json`, JSON.stringify(sourceStamp(Object.keys(r.metafile.inputs))));
  rmSync(`${out}/cli`, { recursive: true, force: true });
  renameSync(tmp, `${out}/cli`);
  console.log(`built ${out}/cli (n2s.js, step-worker.js)`);
}

/**
 * Size, modification time and SHA-1 of every project source the CLI bundle was built from.
 * bin/n2s.mjs compares them at start and falls back to tsx when a source differs, so an edited
 * source is never shadowed by an old bundle. The time is the quick check (one stat per file, about
 * a millisecond for all); only a file whose time differs is read and hashed, so a checkout or an
 * npm package (npm pack sets every file's time to a fixed date) with the same contents still runs
 * the bundle. Packages are external to the bundle or bundled from node_modules as installed, so
 * their versions do not enter.
 * @param {string[]} inputs paths relative to the project, as esbuild's metafile names them
 */
function sourceStamp(inputs) {
  const files = {};
  for (const f of inputs.filter((p) => !p.startsWith('node_modules/') && existsSync(`${root}${p}`)).sort()) {
    const s = statSync(`${root}${f}`);
    files[f] = [s.size, s.mtimeMs, createHash('sha1').update(readFileSync(`${root}${f}`)).digest('hex')];
  }
  return { files };
}
