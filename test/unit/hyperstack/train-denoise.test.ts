/**
 * Issue 18's whole-hyperstack journey through the CLI: a 2-channel × 3-time-point × 8-plane stack,
 * ONE `n2s train` (one model per channel, in one model folder) and ONE `n2s denoise` (one output
 * with the input's shape and metadata); per channel the PSNR rises by the single-stack test's
 * margin (≥ 3 dB, test/unit/engine/train.test.ts); sharded over time points N = 1, 2, 3 the
 * OME-Zarr output is bit-identical, and equal to the TIFF door's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../main/cli/index.ts';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import { readWeights } from '../../../main/engine/model-store.ts';
import { PSNR_TEST_CONFIG } from '../engine/helpers.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack, channelPsnr } from './helpers.ts';

async function n2s(...args: string[]): Promise<{ status: number; stdout: string }> {
  const out: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    return { status: await main(args), stdout: out.join('') };
  } finally {
    process.stdout.write = ow;
  }
}

/** PSNR_TEST_CONFIG as n2s train flags. */
const TRAIN_FLAGS = [
  '--method', PSNR_TEST_CONFIG.method, '--mode', PSNR_TEST_CONFIG.mode, '--neighbours', String(PSNR_TEST_CONFIG.neighbors),
  '--width-scale', String(PSNR_TEST_CONFIG.widthScale), '--epochs', String(PSNR_TEST_CONFIG.epochs), '--steps-per-epoch', String(PSNR_TEST_CONFIG.stepsPerEpoch),
  '--batch', String(PSNR_TEST_CONFIG.batch), '--patch', String(PSNR_TEST_CONFIG.patch), '--normalise', PSNR_TEST_CONFIG.normalize,
  '--val-fraction', String(PSNR_TEST_CONFIG.valFraction), '--seed', String(PSNR_TEST_CONFIG.seed),
];

test('2 channels × 3 time points × 8 planes: one n2s train, one n2s denoise, per-channel models, metadata kept, ≥ 3 dB per channel, shards bit-identical', async () => {
  const { dir, cleanup } = tempDir('hyper-train');
  try {
    const h = blobHyperstack({ seed: 5, times: 3, channels: 2, depth: 8, size: 32, sigma: 0.15, channelScale: [1, 0.7] });
    const noisy = join(dir, 'noisy.tif');
    await writeHyperstack(noisy, h.noisy);
    const model = join(dir, 'model');
    const tr = await n2s('train', '--input', noisy, '--out', model, ...TRAIN_FLAGS, '--json');
    assert.equal(tr.status, 0);
    const result = JSON.parse(tr.stdout.trim().split('\n').pop() as string) as { kind: string; channels: string; entries: { channels: number[]; names: string[]; dir: string }[] };
    assert.equal(result.kind, 'hyperstack');
    assert.equal(result.channels, 'per-channel');
    // ONE model folder, one entry per channel.
    const manifest = JSON.parse(readFileSync(join(model, 'hyperstack.json'), 'utf8')) as { entries: { channels: number[]; names: string[]; dir: string }[]; neighbourAxis: string; trainTimes: number };
    assert.deepEqual(manifest.entries.map((e) => [e.channels, e.names, e.dir]), [[[0], ['nuclei'], 'channel-0'], [[1], ['membranes'], 'channel-1']]);
    assert.equal(manifest.neighbourAxis, 'z');
    assert.equal(manifest.trainTimes, 3);
    const w0 = await readWeights(join(model, 'channel-0'));
    const w1 = await readWeights(join(model, 'channel-1'));
    assert.notDeepEqual(w0.get('out_conv/kernel')?.data, w1.get('out_conv/kernel')?.data, 'two different networks');

    const out = join(dir, 'denoised.tif');
    const dn = await n2s('denoise', '--model', model, '--input', noisy, '--output', out, '--no-tta');
    assert.equal(dn.status, 0);
    const d = await readHyperstack(out);
    const m = d.meta;
    assert.deepEqual([m.times, m.channels, m.depth, m.height, m.width, m.axes, m.order], [3, 2, 8, 32, 32, 'TZCYX', 'TZC']);
    assert.deepEqual(m.channelMeta.map((c) => [c.name, c.color]), [['nuclei', '00FFFF'], ['membranes', 'FF00FF']]);
    assert.deepEqual(m.voxelSize, h.noisy.meta.voxelSize);
    assert.deepEqual(m.timeIncrement, h.noisy.meta.timeIncrement);
    assert.equal(m.dtype, 'float32');
    for (let c = 0; c < 2; c++) {
      const before = channelPsnr(h.clean, h.noisy, c);
      const after = channelPsnr(h.clean, d, c);
      console.log(`channel ${c}: PSNR noisy ${before.toFixed(2)} dB → denoised ${after.toFixed(2)} dB`);
      assert.ok(after >= before + 3, `channel ${c}: ${after.toFixed(2)} dB vs noisy ${before.toFixed(2)} dB`);
    }

    // Sharded over time points into one OME-Zarr: N = 1, 2, 3 give the same bytes (and the TIFF's values).
    const outs: Float32Array[] = [];
    for (const n of [1, 2, 3]) {
      const z = join(dir, `shard${n}.zarr`);
      for (let i = 0; i < n; i++) {
        const r = await n2s('denoise', '--model', model, '--input', noisy, '--output', z, '--shard', `${i}/${n}`, '--no-tta', '--json');
        assert.equal(r.status, 0);
        const res = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { complete: boolean; units: number };
        assert.equal(res.complete, i === n - 1, `shard ${i}/${n}: complete only after the last`);
        if (i < n - 1) await assert.rejects(readHyperstack(z), /incomplete/);
      }
      assert.ok(!existsSync(join(z, '.n2s-incomplete')));
      const back = await readHyperstack(z);
      assert.deepEqual([back.meta.times, back.meta.channels, back.meta.depth, back.meta.axes], [3, 2, 8, 'TCZYX']);
      assert.deepEqual(back.meta.channelMeta.map((c) => [c.name, c.color]), [['nuclei', '00FFFF'], ['membranes', 'FF00FF']]);
      assert.deepEqual(back.meta.timeIncrement, h.noisy.meta.timeIncrement);
      outs.push(back.data);
    }
    assert.deepEqual(outs[1], outs[0], 'N = 2 as N = 1');
    assert.deepEqual(outs[2], outs[0], 'N = 3 as N = 1');
    assert.deepEqual(outs[0], d.data, 'the OME-Zarr shards as the TIFF door');
  } finally {
    cleanup();
  }
});
