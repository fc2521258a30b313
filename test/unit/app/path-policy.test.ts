import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PathPolicy } from '../../../main/app/files/path-policy.ts';
import { RecentFiles } from '../../../main/app/files/recent-files.ts';
import { tempDir } from './helpers.ts';

test('only chosen files and files under allowed roots are readable; .. and symlinks cannot escape', () => {
  const base = tempDir();
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.tif'), 'x');
  symlinkSync(outside, join(root, 'link'));
  const p = new PathPolicy([root]);
  assert.equal(p.isAllowed(join(root, 'sub', 'a.tif')), true);
  assert.equal(p.isAllowed(join(root, 'new-file-not-yet-written.tif')), true);
  assert.equal(p.isAllowed(join(root, '..', 'outside', 'secret.tif')), false);
  assert.equal(p.isAllowed(join(root, 'link', 'secret.tif')), false, 'a symlink out of the root is followed and refused');
  assert.equal(p.isAllowed(join(outside, 'secret.tif')), false);
  assert.equal(p.isAllowed('relative/a.tif'), false);
  assert.equal(p.isAllowed(root + '-sibling/a.tif'), false, 'a prefix of the name is not a parent');
  p.allowFile(join(outside, 'secret.tif'));
  assert.equal(p.isAllowed(join(outside, 'secret.tif')), true);
  assert.equal(p.isAllowed(join(outside, 'other.tif')), false);
  assert.equal(p.canBrowse(outside), false);
  assert.equal(p.canBrowse(join(root, 'sub')), true);
  assert.throws(() => p.assertReadable('/etc/passwd'), /not allowed to open \/etc\/passwd/);
});

test('writing: inside writable roots or exactly the chosen file; read-only roots stay read-only', () => {
  const base = tempDir();
  const out = join(base, 'out');
  const samples = join(base, 'samples');
  mkdirSync(out);
  mkdirSync(samples);
  const p = new PathPolicy([out]);
  p.allowRoot(samples, { readOnly: true });
  assert.equal(p.assertWritable(join(out, 'a.tif')), join(out, 'a.tif'));
  assert.throws(() => p.assertWritable(join(samples, 'a.tif')), /not allowed to write/);
  assert.equal(p.isAllowed(join(samples, 'a.tif')), true, 'but readable');
  assert.throws(() => p.assertWritable(out), /not allowed to write/, 'not the root folder itself');
  assert.throws(() => p.assertWritable(join(base, 'elsewhere.tif')), /not allowed to write/);
  p.allowFile(join(base, 'chosen.tif'));
  assert.equal(p.assertWritable(join(base, 'chosen.tif')), join(base, 'chosen.tif'));
  assert.throws(() => p.assertWritable(join(base, 'chosen.tif.bak')), /not allowed to write/);
});

test('recent files persist newest first, without duplicates, at most ten', () => {
  const dir = tempDir();
  const changes: string[][] = [];
  const r = new RecentFiles(dir, (l) => changes.push(l));
  for (let i = 0; i < 12; i++) r.add(`/data/f${i}.tif`);
  r.add('/data/f5.tif');
  const again = new RecentFiles(dir);
  assert.deepEqual(again.list().slice(0, 3), ['/data/f5.tif', '/data/f11.tif', '/data/f10.tif']);
  assert.equal(again.list().length, 10);
  assert.equal(changes.length, 13);
  writeFileSync(join(dir, 'recent-files.json'), '{not json');
  assert.deepEqual(new RecentFiles(dir).list(), [], 'a damaged file does not stop the app');
});
