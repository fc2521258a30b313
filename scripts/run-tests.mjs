#!/usr/bin/env node
// Runs every *.test.ts below the given folders (or the given test files) with Node's own test
// runner (through tsx), so CI reads the runner's closing summary. Node 20's --test takes no globs,
// hence this file walk. After the run it prints what the summary leaves out — how many tests were
// skipped and why, which files ran none — and fails when a test file registers no test at all
// (a file whose tests are all skipped is listed; under CI=true a missing reference tool is no
// skip in the first place, see test/helpers/python.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
const work = mkdtempSync(join(tmpdir(), 'n2s-test-run-'));
// The engine choice cache (main/engine/engine-cache.ts) of a test run is its own, not the user's.
const cacheDir = process.env.N2S_CACHE_DIR ?? join(work, 'engine-cache');
const summaryFile = join(work, 'summary.json');
const reporter = fileURLToPath(new URL('./test-summary-reporter.mjs', import.meta.url));
const res = spawnSync(
  process.execPath,
  [
    // A test that hangs (a native call that never returns) fails by name after 15 minutes instead
    // of holding CI to its time limit; the slowest real test takes under two.
    '--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=900000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${reporter}`, `--test-reporter-destination=${summaryFile}`,
    ...passThrough, ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, N2S_TEST: '1', N2S_CACHE_DIR: cacheDir } },
);
let status = res.status ?? 1;
try {
  const { files: perFile } = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const name = (f) => relative(process.cwd(), f);
  const entries = Object.entries(perFile);
  const skipped = entries.flatMap(([f, s]) => s.skipped.map((k) => `  ${name(f)}: ${k.name}${k.reason ? ` (${k.reason})` : ''}`));
  const filtered = passThrough.some((a) => a.startsWith('--test-name-pattern') || a === '--test-only');
  const empty = entries.filter(([, s]) => s.empty).map(([f]) => name(f));
  const allSkipped = entries.filter(([, s]) => !s.empty && !s.loadFailed && s.ran === 0 && s.skipped.length > 0).map(([f]) => name(f));
  const ran = entries.reduce((n, [, s]) => n + s.ran, 0);
  console.log(`\n${files.length} test files, ${ran} tests ran, ${skipped.length} skipped`);
  if (skipped.length && !filtered) console.log(`skipped:\n${skipped.join('\n')}`);
  if (allSkipped.length && !filtered) console.log(`ran no test (all skipped): ${allSkipped.join(', ')}`);
  if (empty.length) {
    console.error(`FAIL: ${empty.length} test file(s) registered no test: ${empty.join(', ')}`);
    status = status || 1;
  }
} catch (e) {
  console.error(`could not read the test summary (${e.message})`);
  status = status || 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
