/**
 * A joint hyperstack model (several channels' neighbours in, one plane per channel out) goes through
 * the same tiled core as any model (predict.ts denoiseVolumes, joint-predict.ts): tiles give the
 * whole-plane result, each input keeps its own normalisation, and the output channels are mapped
 * back with theirs; a single volume through the core is exactly denoiseStack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../shared/random.ts';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { createPredictor } from '../../../main/engine/engines.ts';
import { predictJointPlanes } from '../../../main/engine/joint-predict.ts';
import { denoiseStack, denoiseVolumes } from '../../../main/engine/predict.ts';
import type { Normalisation, Predictor } from '../../../main/engine/types.ts';

const layout = { mode: 'self' as const, k: 1 };
// Not multiples of the divisor (4): the plane is padded, as real acquisitions are.
const shape = { depth: 5, height: 86, width: 78 };

function volume(seed: number, scale: number, offset: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.depth * shape.height * shape.width }, () => offset + scale * rng.next());
}

test('a joint model: 2×2 tiles give the whole-plane result; inputs and outputs keep their own normalisations', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 4, outChannels: 2, widthScale: 0.125 });
  const { predictor } = await createPredictor(spec, initWeights(spec, 9), { engine: 'onnx', provider: 'cpu' });
  try {
    // Two channels on very different scales, each with its own normalisation.
    const windows = [volume(1, 1000, 100), volume(2, 10, 5)];
    const norms: Normalisation[] = [
      { kind: 'percentile', pLow: 1, pHigh: 99, low: 100, high: 1100 },
      { kind: 'percentile', pLow: 1, pHigh: 99, low: 5, high: 15 },
    ];
    const whole = await predictJointPlanes(predictor, spec, layout, windows, norms, shape, 1, 4);
    // 72² tiles with the overlap the receptive field needs: 2×2 tiles per plane.
    const tiled = await predictJointPlanes(predictor, spec, layout, windows, norms, shape, 1, 4, { tile: 72 });
    assert.equal(whole.length, 3);
    let worst = 0;
    for (let i = 0; i < 3; i++) for (let c = 0; c < 2; c++) for (let j = 0; j < whole[i]![c]!.length; j++) worst = Math.max(worst, Math.abs(tiled[i]![c]![j]! - whole[i]![c]![j]!) / (c === 0 ? 1000 : 10));
    assert.ok(worst < 1e-5, `tiled vs whole, relative to each channel's range: ${worst}`);
    // Each output is in its channel's intensities (an untrained network stays near its inputs' scale).
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(mean(whole[0]![0]!) > 50 && mean(whole[0]![1]!) < 50, `channel means ${mean(whole[0]![0]!)} and ${mean(whole[0]![1]!)}`);

    // The same core with its planes shifted by one window: plane i of a window starting at 1 is plane i+1.
    const hw = shape.height * shape.width;
    const shifted = await predictJointPlanes(
      predictor,
      spec,
      layout,
      windows.map((w) => w.subarray(hw)),
      norms,
      { ...shape, depth: shape.depth - 1 },
      1,
      2,
    );
    assert.deepEqual(shifted[0], whole[1], 'plane 2 from a window that starts at plane 1 (its neighbours 1 and 3 inside)');
  } finally {
    predictor.dispose();
  }
});

test('one volume through the multi-volume core is denoiseStack', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 });
  const { predictor } = await createPredictor(spec, initWeights(spec, 4), { engine: 'onnx', provider: 'cpu' });
  try {
    const data = volume(3, 200, 50);
    const normalisation: Normalisation = { kind: 'percentile', pLow: 1, pHigh: 99, low: 50, high: 250 };
    const o = { spec, layout, normalisation, tile: 72 };
    const [viaCore] = await denoiseVolumes(predictor, [{ data, normalisation }], shape, o);
    assert.deepEqual(viaCore, await denoiseStack(predictor, data, shape, o));
    // A network with one output takes one volume; two are refused in words.
    await assert.rejects(denoiseVolumes(predictor as Predictor, [{ data, normalisation }, { data, normalisation }], shape, o), /1 outputs for 2 input volumes/);
  } finally {
    predictor.dispose();
  }
});
