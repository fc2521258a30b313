#!/usr/bin/env node
// Runs every *.test.ts below the given folders with Node's own test runner (through tsx), so CI
// reads the runner's closing summary. Node 20's --test takes no globs, hence this file walk.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) files.push(p);
  }
};
for (const r of roots.length ? roots : ['test/unit']) {
  if (statSync(r).isDirectory()) walk(r);
  else files.push(r);
}
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
// The engine choice cache (main/engine/engine-cache.ts) of a test run is its own, not the user's.
const cacheDir = process.env.N2S_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'n2s-test-cache-'));
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...passThrough, ...files],
  { stdio: 'inherit', env: { ...process.env, N2S_TEST: '1', N2S_CACHE_DIR: cacheDir } },
);
if (!process.env.N2S_CACHE_DIR) rmSync(cacheDir, { recursive: true, force: true });
process.exit(res.status ?? 1);
