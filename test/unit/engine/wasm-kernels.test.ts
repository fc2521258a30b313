import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../shared/random.ts';
import { selectBackend } from '../../../main/engine/tfjs/backend.ts';

/** Gradients of sum(conv2d(x, w) · dy) w.r.t. x and w on the active backend. */
function convGrads(x: number[], xs: [number, number, number, number], w: number[], ws: [number, number, number, number], dy: number[]) {
  return tf.tidy(() => {
    const dyT = tf.tensor4d(dy, [xs[0], xs[1], xs[2], ws[3]]);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dyT));
    const [gx, gw] = tf.grads(f)([tf.tensor4d(x, xs), tf.tensor4d(w, ws)]);
    return { gx: Array.from(gx.dataSync()), gw: Array.from(gw.dataSync()) };
  });
}

function relErr(a: number[], b: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

for (const [k, xs] of [
  [3, [2, 9, 7, 3]],
  [5, [3, 12, 10, 4]],
] as const) {
  test(`wasm conv gradients (k=${k}, x ${xs.join('×')}) match the CPU backend to 1e-4 relative`, async () => {
    const rng = createRng(11 + k);
    const ws: [number, number, number, number] = [k, k, xs[3], 6];
    const rand = (n: number) => Array.from({ length: n }, () => rng.normal());
    const x = rand(xs.reduce((a, b) => a * b, 1));
    const w = rand(ws.reduce((a, b) => a * b, 1));
    const dy = rand(xs[0] * xs[1] * xs[2] * ws[3]);
    await selectBackend('cpu');
    const ref = convGrads(x, [...xs], w, ws, dy);
    await selectBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'filter gradient kernel registered');
    const before = tf.memory().numTensors;
    const got = convGrads(x, [...xs], w, ws, dy);
    assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    const ex = relErr(got.gx, ref.gx);
    const ew = relErr(got.gw, ref.gw);
    assert.ok(ex < 1e-4, `input gradient relative error ${ex}`);
    assert.ok(ew < 1e-4, `filter gradient relative error ${ew}`);
  });
}
