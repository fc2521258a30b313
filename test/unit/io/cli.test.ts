/** `n2s info` and `n2s convert` as a user runs them (one process per command). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStack } from '../../../shared/stack.ts';
import { readStack, writeStack } from '../../../main/io/index.ts';
import { formatImageJDescription } from '../../../main/io/tiff/imagej.ts';
import { writeTiff } from '../../../main/io/tiff/writer.ts';
import { open } from 'node:fs/promises';
import { tempDir } from './helpers.ts';
import { main } from '../../../main/cli/index.ts';

const N2S = fileURLToPath(new URL('../../../bin/n2s.mjs', import.meta.url));

/**
 * Runs the CLI in this process (a process per command costs ~2 s of tsx start-up on a busy
 * machine), capturing what it writes; one test below runs the real binary once.
 */
async function n2s(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const status = await main(args);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** An ImageJ hyperstack with 2 channels × 3 slices: plane (c, z) holds the constant 10z + c. */
async function writeHyperstack(path: string): Promise<void> {
  const fh = await open(path, 'w');
  await writeTiff(fh, { depth: 6, height: 4, width: 5, plane: (k) => new Float32Array(20).fill(10 * Math.floor(k / 2) + (k % 2)) }, {
    dtype: 'uint16',
    bigTiff: false,
    resolution: { x: 4, y: 4, unit: 1 },
    describe: (r) => formatImageJDescription({ slices: 3, channels: 2, unit: 'micron', spacing: 0.5, min: r.min, max: r.max }),
  });
  await fh.close();
}

test('n2s info --json reports axes, shape, dtype, voxel size and flavour', async () => {
  const { dir, cleanup } = tempDir('cli-info');
  try {
    const hs = join(dir, 'hyper.tif');
    await writeHyperstack(hs);
    const r = spawnSync(process.execPath, [N2S, 'info', hs, '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    assert.equal(info.flavour, 'imagej');
    assert.equal(info.axes, 'ZCYX');
    assert.deepEqual(info.shape, [3, 2, 4, 5]);
    assert.equal(info.dtype, 'uint16');
    assert.deepEqual(info.voxelSize, { x: 0.25, y: 0.25, z: 0.5, unit: 'micron' });
    const text = await n2s('info', hs);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /flavour: +ImageJ/);
    assert.match(text.stdout, /axes: +ZCYX +\(Z=3 C=2 Y=4 X=5\)/);
    assert.match(text.stdout, /channels: +2 .*--channel/);

    const missing = await n2s('info', join(dir, 'nope.tif'));
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.trim(), 'n2s info: error: nope.tif: no such file or folder');
  } finally {
    cleanup();
  }
});

test('n2s convert converts the whole hyperstack or picks a channel, keeps metadata, refuses overwrite and the input', async () => {
  const { dir, cleanup } = tempDir('cli-convert');
  try {
    const hs = join(dir, 'hyper.tif');
    await writeHyperstack(hs);
    // Without --channel the whole hyperstack is converted (issue 18; test/unit/hyperstack/).
    const whole = await n2s('convert', hs, join(dir, 'x.ome.tif'));
    assert.equal(whole.status, 0, whole.stderr);
    assert.match(whole.stdout, /wrote .*x\.ome\.tif \(ome, uint16, T=1 C=2 Z=3 4×5\)/);

    const out = join(dir, 'c1.ome.tif');
    const r = await n2s('convert', hs, out, '--channel', '1', '--dtype', 'float32');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*c1\.ome\.tif \(ome, float32, 3×4×5\)/);
    const s = await readStack(out);
    assert.equal(s.meta.flavour, 'ome');
    assert.equal(s.meta.dtype, 'float32');
    assert.deepEqual([s.data[0], s.data[20], s.data[40]], [1, 11, 21]);
    assert.deepEqual(s.meta.voxelSize, { x: 0.25, y: 0.25, z: 0.5, unit: 'micron' });

    const again = await n2s('convert', hs, out, '--channel', '1');
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already exists; refusing to replace it \(pass --overwrite/);
    const self = await n2s('convert', hs, hs, '--channel', '0', '--overwrite');
    assert.match(self.stderr, /is the input file; refusing to write over it/);
    const badFlag = await n2s('convert', hs, join(dir, 'y.tif'), '--dtype', 'int64');
    assert.equal(badFlag.status, 2);
    assert.match(badFlag.stderr, /--dtype/);

    // To NIfTI and back to ImageJ, clipping into uint8 with a note.
    const nii = join(dir, 'c0.nii.gz');
    assert.equal((await n2s('convert', hs, nii, '--channel', '0')).status, 0);
    const big = makeStack(1, 1, 3, Float32Array.from([-1, 5, 999]), { name: 'b', dtype: 'float32' });
    await writeStack(join(dir, 'big.tif'), big);
    const clip = await n2s('convert', join(dir, 'big.tif'), join(dir, 'small.tif'), '--dtype', 'uint8');
    assert.equal(clip.status, 0, clip.stderr);
    assert.match(clip.stdout, /note: 2 values outside the uint8 range 0–255/);
    // A failure at plane 2 of 3 (NaN in the input) leaves no output and no temporary file.
    const nan = makeStack(3, 2, 2, Float32Array.from({ length: 12 }, (_, i) => (i === 9 ? NaN : i)), { name: 'n', dtype: 'float32' });
    await writeStack(join(dir, 'nan.tif'), nan);
    const failed = await n2s('convert', join(dir, 'nan.tif'), join(dir, 'nan.ome.tif'));
    assert.equal(failed.status, 2);
    assert.equal(failed.stderr, 'n2s convert: error: nan.tif: plane 2 contains 1 NaN/Inf value; replace them first (e.g. Fiji: Process › Math › Remove NaNs)\n');
    assert.ok(!existsSync(join(dir, 'nan.ome.tif')));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    cleanup();
  }
});
