/**
 * Whole-network gradients of both U-Nets (tiny widths, small patches) from the ONNX training graph
 * against tfjs autodiff through an independent tfjs forward (reference.ts), per weight tensor —
 * with plain Conv nodes and with the blocked (NCHWc) convolutions the CPU provider trains with
 * (nchwc.ts). The widths cover each blocked path: inputs narrower than a block (read as NCHW),
 * whole blocks, widths padded up to a block (24, 72 channels) and a width left plain (18).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { type ArchOptions, buildArch, outputChannels } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { paramLayout, packParams, unpackParams } from '../../../main/engine/onnx/train/params.ts';
import { buildTrainingGraph, IO } from '../../../main/engine/onnx/train/training-graph.ts';
import { nchwcBlockSize } from '../../../main/engine/onnx/providers.ts';
import { onnxSession, randomArray, relErr, runOnnx, tf, tfCpu, tfForward, tfLoss } from './reference.ts';

interface Case {
  title: string;
  arch: ArchOptions;
  size: number;
  masked: boolean;
}

const CASES: Case[] = [
  { title: 'CSBDeep U-Net, 2 input planes, residual, MSE', arch: { arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.25 }, size: 16, masked: false },
  { title: 'CSBDeep U-Net, 1 plane, Noise2Void masked MSE', arch: { arch: 'csbdeep', inChannels: 1, widthScale: 0.125 }, size: 12, masked: true },
  { title: 'Noise2Noise U-Net (LeakyReLU, 5 poolings), 4 input planes, MSE', arch: { arch: 'n2n', inChannels: 4, widthScale: 0.125 }, size: 32, masked: false },
  { title: 'CSBDeep U-Net, 12/24/48 channels, 3 input planes, MSE', arch: { arch: 'csbdeep', inChannels: 3, widthScale: 0.375 }, size: 8, masked: false },
  { title: 'joint CSBDeep U-Net, 2 channels × 2 planes in, 2 outputs, MSE', arch: { arch: 'csbdeep', inChannels: 4, outChannels: 2, widthScale: 0.25 }, size: 16, masked: false },
];

describe('whole-network gradients vs tfjs', () => {
  let block = 0;
  before(async () => {
    await tfCpu();
    block = await nchwcBlockSize();
  });
  test('ONNX Runtime reports its NCHWc block size on this CPU', () => {
    // MLAS blocks by 8 (AVX2) or 16 (AVX-512) on x64; without it the trainer would silently lose
    // the blocked path that makes a step competitive (docs/engines.md).
    if (process.arch === 'x64') assert.ok(block === 8 || block === 16, `block size ${block}`);
  });
  for (const c of CASES.flatMap((k) => [{ ...k, blocked: false }, { ...k, blocked: true }])) {
    test(`${c.title}${c.blocked ? ', blocked convolutions' : ''}`, async () => {
      if (c.blocked) assert.ok(block > 0 || process.arch !== 'x64', 'no NCHWc block size');
      const spec = buildArch(c.arch);
      const weights = initWeights(spec, 7);
      // Non-zero biases, so that bias gradients and activation patterns are not a special case.
      let seed = 100;
      for (const [name, w] of weights) if (name.endsWith('/bias')) w.data.set(randomArray(w.data.length, seed++, 0.1));
      const n = 2;
      const hw = c.size * c.size;
      const x = randomArray(n * hw * spec.inChannels, 1);
      const cout = outputChannels(spec);
      const y = randomArray(n * hw * cout, 2); // NHWC, as tfjs takes it
      const yNchw = new Float32Array(y.length);
      for (let b = 0; b < n; b++) for (let p = 0; p < hw; p++) for (let k = 0; k < cout; k++) yNchw[(b * cout + k) * hw + p] = y[(b * hw + p) * cout + k];
      const mask = c.masked ? randomArray(n * hw, 3).map((v) => (v > 0.8 ? 1 : 0)) : undefined;

      const layout = paramLayout(spec);
      const s = await onnxSession(buildTrainingGraph({ spec, height: c.size, width: c.size, masked: c.masked, output: 'gradients', nchwcBlock: c.blocked ? block : 0 }));
      const feeds = {
        [IO.x]: { data: x, dims: [n, c.size, c.size, spec.inChannels] },
        [IO.y]: { data: yNchw, dims: [n, cout, c.size, c.size] },
        [IO.params]: { data: packParams(layout, weights), dims: [layout.total] },
        ...(mask ? { [IO.mask]: { data: mask, dims: [n, 1, c.size, c.size] } } : {}),
      };
      const out = await runOnnx(s, feeds);
      const grads = unpackParams(layout, out[IO.grads]);

      const names = [...weights.keys()];
      const xs = names.map((k) => tf.tensor((weights.get(k) as { data: Float32Array }).data, weights.get(k)?.shape));
      const xt = tf.tensor4d(x, [n, c.size, c.size, spec.inChannels]);
      const yt = tf.tensor4d(y, [n, c.size, c.size, cout]);
      const mt = mask ? tf.tensor4d(mask, [n, c.size, c.size, 1]) : undefined;
      const f = (...ws: tfType.Tensor[]) => tfLoss(tfForward(spec, xt, new Map(names.map((k, i) => [k, ws[i]]))), yt, mt);
      const { value, grads: ref } = tf.valueAndGrads(f)(xs);
      assert.ok(relErr(out[IO.loss], value.dataSync()) < 1e-5, `loss ${out[IO.loss][0]} vs tfjs ${value.dataSync()[0]}`);
      let worst = 0;
      names.forEach((k, i) => {
        const e = relErr((grads.get(k) as { data: Float32Array }).data, ref[i].dataSync());
        worst = Math.max(worst, e);
        assert.ok(e < 1e-4, `${k}: gradient rel. error ${e}`);
      });
      console.log(`# ${c.title}: worst per-tensor relative gradient error ${worst.toExponential(2)}`);
      tf.dispose([...xs, ...ref, value, xt, yt, ...(mt ? [mt] : [])]);
      await s.release();
    });
  }
});
