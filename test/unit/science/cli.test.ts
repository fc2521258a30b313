import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStack } from '../../../shared/stack.ts';
import { readStack, writeStack } from '../../../main/io/index.ts';

const n2s = (...args: string[]) => spawnSync(process.execPath, ['bin/n2s.mjs', ...args], { encoding: 'utf8' });

test('n2s synth microscopy + n2s eval: files written, per-plane JSON, clear errors', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-cli-'));
  try {
    const s = n2s('synth', 'microscopy', '--out', dir, '--seed', '4', '--depth', '4', '--height', '32', '--width', '32');
    assert.equal(s.status, 0, s.stderr);
    const low = await readStack(join(dir, 'low.tif'));
    assert.deepEqual([low.depth, low.height, low.width], [4, 32, 32]);
    assert.equal(JSON.parse(readFileSync(join(dir, 'synth.json'), 'utf8')).seed, 4);

    const e = n2s('eval', '--prediction', join(dir, 'low.tif'), '--reference', join(dir, 'high.tif'), '--json');
    assert.equal(e.status, 0, e.stderr);
    const r = JSON.parse(e.stdout.trim().split('\n').pop() as string) as { psnr: number; planes: Array<{ plane: number; psnr: number; ssim: number }>; normalization: string };
    assert.equal(r.normalization, 'percentile-affine');
    assert.equal(r.planes.length, 4);
    assert.ok(r.psnr > 10 && r.psnr < 40);
    // The high exposure scored against itself is perfect.
    const self = n2s('eval', '--prediction', join(dir, 'high.tif'), '--reference', join(dir, 'high.tif'));
    assert.equal(self.status, 0);
    assert.match(self.stdout, /mean\s+(inf|Infinity|\d{3,})/i);

    // Refuses to overwrite, mismatched shapes, unknown flags: one line, non-zero exit.
    const again = n2s('synth', 'microscopy', '--out', dir, '--depth', '4', '--height', '32', '--width', '32');
    assert.notEqual(again.status, 0);
    const other = mkdtempSync(join(tmpdir(), 'n2s-cli-b-'));
    n2s('synth', 'microscopy', '--out', other, '--depth', '3', '--height', '32', '--width', '32');
    const mism = n2s('eval', '--prediction', join(other, 'low.tif'), '--reference', join(dir, 'high.tif'));
    assert.equal(mism.status, 2);
    assert.match(mism.stderr, /^n2s eval: error: prediction is 3×32×32 .* reference is 4×32×32/);
    assert.equal(mism.stderr.trim().split('\n').length, 1);
    rmSync(other, { recursive: true, force: true });
    const bad = n2s('eval', '--prediction', 'x.tif', '--reference', 'y.tif', '--normalize', 'zscore');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /percentile-affine or none/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('n2s synth mri writes clean, two noisy copies and masks keeping ~10 % of frequencies', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-cli-mri-'));
  try {
    const D = 6;
    const H = 64;
    const W = 48;
    const vol = new Float32Array(D * H * W).map((_, i) => 50 + 40 * Math.sin(i / 37) + (i % W > 20 ? 30 : 0));
    const input = join(dir, 'clean.nii.gz');
    await writeStack(input, makeStack(D, H, W, vol, { name: 'clean', dtype: 'float32' }));
    const out = join(dir, 'out');
    const s = n2s('synth', 'mri', '--input', input, '--out', out, '--copies', '2', '--seed', '5');
    assert.equal(s.status, 0, s.stderr);
    const [clean, a, b, m] = await Promise.all(['clean.tif', 'noisy_1.tif', 'noisy_2.tif', 'mask_1.tif'].map((f) => readStack(join(out, f))));
    assert.ok(Math.abs(Math.min(...clean.data) + 0.5) < 1e-6 && Math.abs(Math.max(...clean.data) - 0.5) < 1e-6, 'scaled to [−0.5, 0.5]');
    assert.notDeepEqual(a.data, b.data);
    const kept = m.data.reduce((s2, v) => s2 + v, 0) / m.data.length;
    assert.ok(Math.abs(kept - 0.1) < 0.02, `kept fraction ${kept}`);
    const info = JSON.parse(readFileSync(join(out, 'synth.json'), 'utf8')) as { lambda: number; copies: number };
    assert.equal(info.copies, 2);
    assert.ok(info.lambda > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
