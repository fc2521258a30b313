/**
 * --neighbour-axis t: on a static field filmed with independent noise in every frame, a frame's
 * neighbours in time hold exactly its signal, its neighbours in z only a similar one; so the model
 * trained and applied along t must beat the one along z on the same data (same training budget).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trainHyperstack } from '../../../main/workflows/hyperstack-train.ts';
import { denoiseHyperstack } from '../../../main/workflows/hyperstack-denoise.ts';
import { readHyperstack, writeHyperstack } from '../../../main/io/hyperstack.ts';
import { readHyperstackManifest } from '../../../main/engine/hyperstack-model.ts';
import { tempDir } from '../io/helpers.ts';
import { blobHyperstack, channelPsnr } from './helpers.ts';

const CONFIG = { method: 'n2s', mode: 'self', neighbors: 1, widthScale: 0.25, epochs: 3, stepsPerEpoch: 40, batch: 8, patch: 32, normalize: 'none', valFraction: 0.125, seed: 4 } as const;

test('a static time-lapse: neighbours along t beat neighbours along z', async () => {
  const { dir, cleanup } = tempDir('hyper-axis');
  try {
    const h = blobHyperstack({ seed: 9, times: 8, channels: 1, depth: 8, size: 32, sigma: 0.2 });
    const input = join(dir, 'movie.tif');
    await writeHyperstack(input, h.noisy);
    const psnr: Record<string, number> = {};
    for (const axis of ['z', 't'] as const) {
      const model = join(dir, `model-${axis}`);
      await trainHyperstack({ input, out: model, config: CONFIG, neighbourAxis: axis }, h.noisy);
      assert.equal((await readHyperstackManifest(model))?.neighbourAxis, axis);
      const out = join(dir, `out-${axis}.tif`);
      const r = await denoiseHyperstack({ modelDir: model, input, output: out, tta: false });
      assert.equal(r.axis, axis);
      const d = await readHyperstack(out);
      assert.deepEqual([d.meta.times, d.meta.depth], [8, 8]);
      psnr[axis] = channelPsnr(h.clean, d, 0);
    }
    const noisy = channelPsnr(h.clean, h.noisy, 0);
    console.log(`PSNR noisy ${noisy.toFixed(2)} dB, neighbours along z ${psnr.z.toFixed(2)} dB, along t ${psnr.t.toFixed(2)} dB`);
    assert.ok(psnr.t > psnr.z + 0.5, `t ${psnr.t.toFixed(2)} dB vs z ${psnr.z.toFixed(2)} dB`);
    assert.ok(psnr.z > noisy, 'both denoise');
  } finally {
    cleanup();
  }
});
