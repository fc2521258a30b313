/**
 * scripts/run-tests.mjs on made-up test files: it counts and names skipped tests, fails on a file
 * that registers no test, and under CI=true a reference test whose Python module is missing fails
 * (test/helpers/python.ts) instead of being skipped.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the project: the made-up files import the project's test helpers.
const dir = `${root}.cache/test-runner-test-${process.pid}`;
after(() => rmSync(dir, { recursive: true, force: true }));

function run(files: Record<string, string>, env: Record<string, string> = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  // NODE_TEST_CONTEXT would make the inner runner think it runs inside this test and run nothing.
  const { CI: _ci, NODE_TEST_CONTEXT: _ctx, ...base } = process.env;
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', dir], { cwd: root, encoding: 'utf8', env: { ...base, ...env }, timeout: 120_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

const helper = `import { test } from 'node:test';\nimport { skipWithoutPython } from '../../test/helpers/python.ts';\n`;

test('the runner prints how many tests were skipped, and why', () => {
  const r = run({ 'a.test.ts': `import { test } from 'node:test';\ntest('runs', () => {});\ntest('waits', { skip: 'no GPU here' }, () => {});\n` });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /1 test files, 1 tests ran, 1 skipped/);
  assert.match(r.out, /a\.test\.ts: waits \(no GPU here\)/);
});

test('a test file that registers no test fails the run', () => {
  const r = run({ 'a.test.ts': `import { test } from 'node:test';\ntest('runs', () => {});\n`, 'empty.test.ts': `export const nothing = 1;\n` });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /FAIL: 1 test file\(s\) registered no test: .*empty\.test\.ts/);
});

test('a missing Python reference tool skips the test on a developer machine and fails it under CI=true', () => {
  const file = `${helper}test('compares with the reference', { skip: skipWithoutPython('n2s_no_such_module') }, () => {});\ntest('other', () => {});\n`;
  const dev = run({ 'ref.test.ts': file });
  assert.equal(dev.code, 0, dev.out);
  assert.match(dev.out, /1 skipped/);
  assert.match(dev.out, /needs \/usr\/bin\/python3 with n2s_no_such_module/);
  const ci = run({ 'ref.test.ts': file }, { CI: 'true' });
  assert.equal(ci.code, 1, ci.out);
  assert.match(ci.out, /CI=true: the reference tool is missing: \/usr\/bin\/python3 cannot import n2s_no_such_module/);
});
