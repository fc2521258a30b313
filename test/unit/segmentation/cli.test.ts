/**
 * `n2s segment` end to end: synthetic nuclei written as uint16 TIFFs with a micron voxel size,
 * segmented with a reference, labels read back (uint16, same metadata, same objects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStack, writeStack } from '../../../main/io/index.ts';
import { stackToLabels } from '../../../main/segment/labels.ts';
import { makeStack } from '../../../shared/stack.ts';
import { syntheticNuclei } from './synthetic-nuclei.ts';

const N2S = join(import.meta.dirname, '../../../bin/n2s.mjs');
const n2s = (args: string[]) => spawnSync(process.execPath, [N2S, 'segment', ...args], { encoding: 'utf8' });

test('n2s segment writes uint16 labels with the input metadata and compares with a reference', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-seg-cli-'));
  try {
    const g = syntheticNuclei({ seed: 2, depth: 3, height: 64, width: 80, pairs: 2, singles: 4 });
    const voxelSize = { z: 2, y: 0.65, x: 0.65, unit: 'micron' };
    const scale = (a: Float32Array, k: number) => a.map((v) => Math.round(v * k));
    const low = makeStack(g.depth, g.height, g.width, g.noisy(5, 1), { name: 'low.tif', dtype: 'uint16', voxelSize });
    const high = makeStack(g.depth, g.height, g.width, scale(g.clean, 1000), { name: 'high.tif', dtype: 'uint16', voxelSize });
    await writeStack(join(dir, 'low.tif'), low);
    await writeStack(join(dir, 'high.tif'), high);
    const out = join(dir, 'labels.tif');
    const r = n2s(['--input', join(dir, 'low.tif'), '--output', out, '--reference', join(dir, 'high.tif'), '--min-size', '20', '--mode', '2d', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.type === 'progress'), 'progress events');
    const res = lines.at(-1) as { type: string; objects: number; agreement: { dice: number; f1: number }; perPlane: Array<{ count: number }> };
    assert.equal(res.type, 'result');
    assert.ok(res.agreement.dice > 0.85 && res.agreement.f1 > 0.7, JSON.stringify(res.agreement));
    assert.equal(res.perPlane.length, 3);

    const back = await readStack(out);
    assert.equal(back.meta.dtype, 'uint16');
    assert.deepEqual([back.depth, back.height, back.width], [3, 64, 80]);
    assert.equal(back.meta.voxelSize.unit, 'micron');
    assert.ok(Math.abs(back.meta.voxelSize.z - 2) < 1e-6 && Math.abs(back.meta.voxelSize.x - 0.65) < 1e-4, JSON.stringify(back.meta.voxelSize));
    const { count } = stackToLabels(back);
    assert.equal(count, res.objects);
    assert.equal(res.perPlane.reduce((a, p) => a + p.count, 0), res.objects);

    // Never over the input; a second run refuses an existing output without --overwrite.
    const mtime = statSync(join(dir, 'low.tif')).mtimeMs;
    const same = n2s(['--input', join(dir, 'low.tif'), '--output', join(dir, 'low.tif'), '--overwrite']);
    assert.notEqual(same.status, 0);
    assert.match(same.stderr.trim().split('\n').at(-1)!, /^n2s segment: error: low.tif: .*refusing to write over it/);
    assert.doesNotMatch(same.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(statSync(join(dir, 'low.tif')).mtimeMs, mtime);
    const again = n2s(['--input', join(dir, 'low.tif'), '--output', out]);
    assert.notEqual(again.status, 0);
    // A float intensity image is refused as reference labels, in one line.
    await writeStack(join(dir, 'clean.tif'), makeStack(g.depth, g.height, g.width, g.clean, { name: 'clean.tif', voxelSize }));
    const bad = n2s(['--input', join(dir, 'low.tif'), '--output', join(dir, 'x.tif'), '--reference-labels', join(dir, 'clean.tif')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr.trim().split('\n').at(-1)!, /clean.tif is not a labels image/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('n2s segment flag errors are one line and exit non-zero', () => {
  for (const args of [['--input', 'a.tif', '--output', 'b.tif', '--threshold', 'median'], ['--output', 'b.tif'], ['--input', 'a.tif', '--output', 'b.png'], ['--input', 'a.tif', '--output', 'b.tif', '--min-size', '-3'], ['--input', 'a.tif', '--output', 'b.tif', '--mode', '4d'], ['--input', 'a.tif', '--output', 'b.tif', '--focus-fraction', '2'], ['--bogus']]) {
    const r = n2s(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^n2s segment: error: /);
  }
  const missing = n2s(['--input', '/nonexistent/a.tif', '--output', join(tmpdir(), 'n2s-never.tif')]);
  assert.notEqual(missing.status, 0);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});
