/**
 * Seeded test data: a stack of smooth blobs whose intensity changes slowly along z (neighbouring
 * planes share signal, as in docs/method.md §1) plus independent Gaussian noise per plane.
 */
import { createRng } from '../../../shared/random.ts';

export interface SynthStack {
  depth: number;
  height: number;
  width: number;
  clean: Float32Array;
  noisy: Float32Array;
  /** A second, independent noisy copy of the same clean stack. */
  noisy2: Float32Array;
}

export function blobStack(seed: number, depth: number, height: number, width: number, sigma: number): SynthStack {
  const rng = createRng(seed);
  const blobs = Array.from({ length: Math.round((height * width) / 250) }, () => ({
    y: rng.next() * height,
    x: rng.next() * width,
    r: 3 + rng.next() * 5,
    z: rng.next() * depth,
    dz: 2 + rng.next() * 4,
    a: 0.4 + rng.next() * 0.6,
  }));
  const n = depth * height * width;
  const clean = new Float32Array(n);
  for (let z = 0; z < depth; z++) {
    for (const b of blobs) {
      const fz = Math.exp(-((z - b.z) ** 2) / (2 * b.dz ** 2));
      const y0 = Math.max(0, Math.floor(b.y - 3 * b.r));
      const y1 = Math.min(height, Math.ceil(b.y + 3 * b.r));
      const x0 = Math.max(0, Math.floor(b.x - 3 * b.r));
      const x1 = Math.min(width, Math.ceil(b.x + 3 * b.r));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const d2 = (y - b.y) ** 2 + (x - b.x) ** 2;
          clean[(z * height + y) * width + x] += b.a * fz * Math.exp(-d2 / (2 * b.r * b.r));
        }
      }
    }
  }
  const noisy = new Float32Array(n);
  const noisy2 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    noisy[i] = clean[i] + sigma * rng.normal();
    noisy2[i] = clean[i] + sigma * rng.normal();
  }
  return { depth, height, width, clean, noisy, noisy2 };
}

/** PSNR (data range 1) of a stack against the clean one. */
export function psnr(clean: Float32Array, test: Float32Array): number {
  let s = 0;
  for (let i = 0; i < clean.length; i++) s += (clean[i] - test[i]) ** 2;
  return 10 * Math.log10(1 / (s / clean.length));
}

/** For each plane, the mean of its two nearest neighbours (the self-supervised input channels). */
export function neighbourMean(s: SynthStack, data: Float32Array): Float32Array {
  const hw = s.height * s.width;
  const out = new Float32Array(data.length);
  for (let z = 0; z < s.depth; z++) {
    const a = z === 0 ? 1 : z - 1;
    const b = z === s.depth - 1 ? s.depth - 2 : z + 1;
    for (let i = 0; i < hw; i++) out[z * hw + i] = 0.5 * (data[a * hw + i] + data[b * hw + i]);
  }
  return out;
}

/**
 * The training settings of the "≥ 3 dB" tests. The tfjs test (engine/train.test.ts) and the ONNX
 * engine's test (onnx-train/train-psnr.test.ts) must ask the same margin of the same run, so both
 * spread this and add only their engine.
 */
export const PSNR_TEST_CONFIG = {
  method: 'n2s',
  mode: 'self',
  neighbors: 1,
  widthScale: 0.25,
  epochs: 4,
  stepsPerEpoch: 50,
  batch: 8,
  patch: 32,
  normalize: 'none',
  valFraction: 0.125,
  seed: 3,
} as const;
