import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerCpuKernelFixes } from '../../../main/engine/tfjs/cpu-kernels.ts';
import { createRng } from '../../../shared/random.ts';

/** The gradient of ×2 nearest upsampling is 2×2 sum pooling of dy, batch element by batch element. */
function sumPool2(dy: Float32Array, b: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(b * (h / 2) * (w / 2) * c);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((n * (h / 2) + (y >> 1)) * (w / 2) + (x >> 1)) * c + k] += dy[((n * h + y) * w + x) * c + k];
  return out;
}

test('cpu ResizeNearestNeighborGrad is correct for batch > 1 (tfjs 4.22 kernel is not)', async () => {
  await tf.setBackend('cpu');
  registerCpuKernelFixes();
  const rng = createRng(9);
  const [b, h, w, c] = [3, 4, 6, 2];
  const x = tf.tensor4d(Float32Array.from({ length: b * h * w * c }, () => rng.normal()), [b, h, w, c]);
  const dyData = Float32Array.from({ length: b * 2 * h * 2 * w * c }, () => rng.normal());
  const dy = tf.tensor4d(dyData, [b, 2 * h, 2 * w, c]);
  const g = tf.grad((t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [2 * h, 2 * w]).mul(dy).sum())(x);
  const got = await g.data();
  const want = sumPool2(dyData, b, 2 * h, 2 * w, c);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `index ${i}: ${got[i]} vs ${want[i]}`);
  tf.dispose([x, dy, g]);
});
