/** Whole-hyperstack commands refuse what they cannot do in one line, before any work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../main/cli/index.ts';
import { writeHyperstack } from '../../../main/io/hyperstack.ts';
import { writeHyperstackManifest } from '../../../main/engine/hyperstack-model.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack } from './helpers.ts';

async function n2s(...args: string[]): Promise<{ status: number; stderr: string }> {
  const err: string[] = [];
  const ew = process.stderr.write.bind(process.stderr);
  const ow = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return { status: await main(args), stderr: err.join('') };
  } finally {
    process.stderr.write = ew;
    process.stdout.write = ow;
  }
}

test('refusals: too few planes along the axis, a model for other channels, shards into a TIFF, NIfTI with channels', async () => {
  const { dir, cleanup } = tempDir('hyper-refuse');
  try {
    const tyx = blobHyperstack({ seed: 1, times: 4, channels: 2, depth: 1, size: 16, sigma: 0.1 });
    const movie = join(dir, 'movie.tif');
    await writeHyperstack(movie, tyx.noisy);
    const few = await n2s('train', '--input', movie, '--out', join(dir, 'm'), '--epochs', '1');
    assert.equal(few.status, 2);
    assert.match(few.stderr, /movie\.tif has 1 plane; neighbours along z with self-supervised K=1 need at least 3 \(for a time-lapse of single planes use --neighbour-axis t\)/);
    assert.equal(few.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'm', 'hyperstack.json')));

    const three = blobHyperstack({ seed: 2, times: 1, channels: 3, depth: 4, size: 16, sigma: 0.1 });
    const input = join(dir, 'three.tif');
    await writeHyperstack(input, three.noisy);
    const model = join(dir, 'two-channel-model');
    await writeHyperstackManifest(model, { channels: 'per-channel', neighbourAxis: 'z', inputChannels: 2, trainTimes: 1, entries: [{ channels: [0], dir: 'channel-0' }, { channels: [1], dir: 'channel-1' }] });
    const other = await n2s('denoise', '--model', model, '--input', input, '--output', join(dir, 'out.tif'));
    assert.equal(other.status, 2);
    assert.match(other.stderr, /the model was trained on 2 channels, the input has 3/);
    const axis = await n2s('denoise', '--model', model, '--input', input, '--output', join(dir, 'out.tif'), '--neighbour-axis', 't');
    assert.match(axis.stderr, /the model was trained on 2 channels|neighbours along z, not t/);
    const shard = await n2s('denoise', '--model', model, '--input', input, '--output', join(dir, 'out.tif'), '--shard', '0/2');
    assert.equal(shard.status, 2);
    assert.match(shard.stderr, /--shard writes one OME-Zarr in place from every shard: name the output \.zarr \(not out\.tif\)/);
    const nii = await n2s('convert', input, join(dir, 'three.nii'));
    assert.equal(nii.status, 2);
    assert.match(nii.stderr, /NIfTI holds one channel but the stack has 3/);
    assert.ok(!existsSync(join(dir, 'out.tif')) && !existsSync(join(dir, 'three.nii')));
  } finally {
    cleanup();
  }
});
