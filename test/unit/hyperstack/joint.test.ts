/**
 * --channels joint: ONE network for both channels (their neighbour planes stacked as input, one
 * output per channel) in one model folder entry; its output differs from the per-channel models'
 * (which cannot see the other channel), it denoises both channels (better still with --tta), and
 * its held-out check (the neighbour-mean comparison) names each channel's gain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../main/cli/index.ts';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import { readModelConfig, readWeights } from '../../../main/engine/model-store.ts';
import { outputChannels } from '../../../shared/model/arch.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack, channelPsnr } from './helpers.ts';

const FLAGS = ['--width-scale', '0.25', '--epochs', '3', '--steps-per-epoch', '30', '--batch', '8', '--patch', '32', '--normalise', 'none', '--val-fraction', '0.125', '--seed', '2'];

/** Runs the CLI with its output kept (not printed). */
async function quiet(args: string[], printed: string[] = []): Promise<number> {
  const ow = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return await main(args);
  } finally {
    process.stdout.write = ow;
  }
}

test('a joint model has one output per channel and gives another answer than per-channel models', async () => {
  const { dir, cleanup } = tempDir('hyper-joint');
  try {
    const h = blobHyperstack({ seed: 7, times: 2, channels: 2, depth: 8, size: 32, sigma: 0.15, channelScale: [1, 0.6] });
    const input = join(dir, 'noisy.ome.tif');
    await writeHyperstack(input, h.noisy, { dimensionOrder: 'XYZCT' });
    const outputs: Record<string, Awaited<ReturnType<typeof readHyperstack>>> = {};
    for (const mode of ['per-channel', 'joint'] as const) {
      const model = join(dir, `model-${mode}`);
      const printed: string[] = [];
      assert.equal(await quiet(['train', '--input', input, '--out', model, '--channels', mode, ...FLAGS], printed), 0);
      // The joint network gets the held-out check too: all channels, and each named with its gain.
      if (mode === 'joint') assert.match(printed.join(''), /joint \(nuclei, membranes\): .*better than averaging the neighbours\. Per channel: nuclei \d+ % better, membranes \d+ % better\./, printed.join(''));
      const out = join(dir, `out-${mode}.ome.tif`);
      assert.equal(await quiet(['denoise', '--model', model, '--input', input, '--output', out, '--no-tta']), 0);
      outputs[mode] = await readHyperstack(out);
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'model-joint', 'hyperstack.json'), 'utf8')) as { channels: string; entries: { channels: number[]; dir: string }[] };
    assert.equal(manifest.channels, 'joint');
    assert.deepEqual(manifest.entries.map((e) => [e.channels, e.dir]), [[[0, 1], 'joint']]);
    const config = await readModelConfig(join(dir, 'model-joint', 'joint'));
    assert.equal(outputChannels(config.arch as never), 2, 'one output per channel');
    assert.equal(config.arch.inChannels, 4, '2 channels × 2 neighbours in');
    assert.deepEqual((await readWeights(join(dir, 'model-joint', 'joint'))).get('out_conv/kernel')?.shape.slice(-1), [2]);

    const a = outputs['per-channel'];
    const b = outputs.joint;
    assert.deepEqual([b.meta.times, b.meta.channels, b.meta.depth, b.meta.order], [2, 2, 8, 'TCZ'], 'the OME order of the input (XYZCT)');
    assert.deepEqual(b.meta.channelMeta.map((c) => c.name), ['nuclei', 'membranes']);
    let maxDiff = 0;
    for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
    assert.ok(maxDiff > 1e-3, `joint and per-channel outputs differ (max |Δ| ${maxDiff})`);
    // Test-time ensembling works on a joint model's several outputs too (each channel ensembled).
    const ttaOut = join(dir, 'out-joint-tta.ome.tif');
    assert.equal(await quiet(['denoise', '--model', join(dir, 'model-joint'), '--input', input, '--output', ttaOut, '--tta']), 0);
    const bt = await readHyperstack(ttaOut);
    for (let c = 0; c < 2; c++) {
      const noisy = channelPsnr(h.clean, h.noisy, c);
      const [joint, jointTta] = [channelPsnr(h.clean, b, c), channelPsnr(h.clean, bt, c)];
      console.log(`channel ${c}: noisy ${noisy.toFixed(2)} dB, per-channel ${channelPsnr(h.clean, a, c).toFixed(2)} dB, joint ${joint.toFixed(2)} dB, joint with --tta ${jointTta.toFixed(2)} dB`);
      assert.ok(joint > noisy + 1, `the joint model denoises channel ${c}`);
      assert.ok(jointTta > joint + 0.1, `--tta raises channel ${c}'s PSNR (${joint.toFixed(2)} → ${jointTta.toFixed(2)} dB)`);
    }
  } finally {
    cleanup();
  }
});
