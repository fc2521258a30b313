/**
 * Test helpers of the ONNX training graph: an independent tfjs (pure-JS CPU backend) forward of any
 * ArchSpec, written directly with tf ops (so autodiff through it is tfjs' own), plus small
 * utilities to run ONNX graphs and compare arrays.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { ArchSpec } from '../../../shared/model/arch.ts';
import type { NamedWeights } from '../../../shared/model/init.ts';
import { createRng } from '../../../shared/random.ts';

let backendReady: Promise<void> | null = null;
/** tfjs on its CPU backend (float32, deterministic), once per process. */
export function tfCpu(): Promise<void> {
  backendReady ??= (async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return backendReady;
}

export { tf };

/** The network in tfjs: x NHWC, weights HWIO by name → prediction NHWC [n,h,w,1]. */
export function tfForward(spec: ArchSpec, x: tf.Tensor4D, w: Map<string, tf.Tensor>): tf.Tensor4D {
  const v = new Map<string, tf.Tensor4D>([[spec.inputName, x]]);
  const get = (n: string): tf.Tensor4D => {
    const t = v.get(n);
    if (!t) throw new Error(`no value ${n}`);
    return t;
  };
  const weight = (n: string): tf.Tensor => {
    const t = w.get(n);
    if (!t) throw new Error(`no weight ${n}`);
    return t;
  };
  for (const n of spec.nodes) {
    let out: tf.Tensor4D;
    switch (n.op) {
      case 'conv': {
        const z = tf.add(tf.conv2d(get(n.input), weight(`${n.name}/kernel`) as tf.Tensor4D, 1, 'same'), weight(`${n.name}/bias`)) as tf.Tensor4D;
        out = n.activation === 'relu' ? tf.relu(z) : n.activation === 'leaky0.1' ? tf.leakyRelu(z, 0.1) : z;
        break;
      }
      case 'maxpool':
        out = tf.maxPool(get(n.input), 2, 2, 'valid');
        break;
      case 'upsample':
        out = upsample2(get(n.input));
        break;
      case 'concat':
        out = tf.concat(n.inputs.map(get), 3);
        break;
      case 'residual': {
        const planes = tf.gather(x, n.channels, 3);
        out = tf.add(get(n.input), tf.mean(planes, 3, true));
        break;
      }
    }
    v.set(n.name, out);
  }
  return get(spec.output);
}

/**
 * Nearest 2× upsampling by broadcasting (tile) rather than tf.image.resizeNearestNeighbor: the
 * forward values are the same, but tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad offsets dy by
 * the INPUT's batch stride (dyROffset = batchOffset + …), so its gradient is wrong for every batch
 * element after the first. Tile's gradient is a plain sum.
 */
export function upsample2(t: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const cols = tf.tile(tf.reshape(t, [n * h, w, 1, c]), [1, 1, 2, 1]); // tfjs tiles up to rank 5 with gradients
  return tf.reshape(tf.tile(tf.reshape(cols, [n * h, 1, 2 * w, c]), [1, 2, 1, 1]), [n, 2 * h, 2 * w, c]);
}

/** MSE (or Noise2Void's masked MSE) as the engines define it (main/engine/types.ts Batch.mask). */
export function tfLoss(pred: tf.Tensor, y: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  const sq = tf.square(tf.sub(pred, y));
  if (!mask) return tf.mean(sq);
  return tf.div(tf.sum(tf.mul(sq, mask)), tf.maximum(tf.sum(mask), 1));
}

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() * 2 - 1) * scale;
  return a;
}

/** max |a − b| / max |b|: the relative error of a whole tensor. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export interface Feed {
  data: Float32Array;
  dims: number[];
}

export async function onnxSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
}

export async function runOnnx(s: ort.InferenceSession, feeds: Record<string, Feed>): Promise<Record<string, Float32Array>> {
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const out = await s.run(f);
  const r: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) r[k] = v.data as Float32Array;
  return r;
}

/** tfjs tensors of NamedWeights (HWIO kernels). */
export function tfWeights(w: NamedWeights): Map<string, tf.Tensor> {
  return new Map([...w].map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
}
