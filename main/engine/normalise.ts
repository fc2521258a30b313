/**
 * Pre-processing of docs/method.md §5 as invertible maps. Parameters are computed per stack (training
 * stacks at training time, the stack being denoised at prediction time — CSBDeep's convention, so a
 * model transfers to stacks of another brightness) and recorded in the model's config.json.
 */
import type { Normalisation } from './types.ts';

export type NormaliseKind = 'percentile' | 'mri' | 'none';

const P_LOW = 3;
const P_HIGH = 99.8;
/** Percentiles are taken from at most this many evenly strided samples (bounded time and memory). */
const MAX_SAMPLES = 2_000_000;

/** Linear-interpolated percentiles (numpy's default) of `data`, subsampled for very large arrays. */
export function percentiles(data: Float32Array, ps: number[]): number[] {
  const stride = Math.max(1, Math.ceil(data.length / MAX_SAMPLES));
  const n = Math.ceil(data.length / stride);
  const s = new Float32Array(n);
  for (let i = 0, j = 0; i < data.length; i += stride, j++) s[j] = data[i];
  s.sort();
  return ps.map((p) => {
    const pos = (p / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  });
}

/** Parameters of the normalisation of `kind` for one stack. */
export function fitNormalisation(kind: NormaliseKind, data: Float32Array): Normalisation {
  if (kind === 'none') return { kind: 'none' };
  if (kind === 'mri') {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < min) min = data[i];
      if (data[i] > max) max = data[i];
    }
    return { kind: 'mri', min, max };
  }
  const [low, high] = percentiles(data, [P_LOW, P_HIGH]);
  return { kind: 'percentile', pLow: P_LOW, pHigh: P_HIGH, low, high };
}

/** Same kind as `model`, parameters refitted on `data` (used when denoising a new stack). */
export function refit(model: Normalisation, data: Float32Array): Normalisation {
  return fitNormalisation(model.kind, data);
}

function affine(n: Normalisation): { scale: number; offset: number } {
  switch (n.kind) {
    case 'none':
      return { scale: 1, offset: 0 };
    case 'mri': {
      const range = n.max - n.min || 1;
      return { scale: 1 / range, offset: -n.min / range - 0.5 };
    }
    case 'percentile': {
      const range = n.high - n.low || 1;
      return { scale: 1 / range, offset: -n.low / range };
    }
  }
}

/** A normalised copy (never modifies the input). */
export function normalise(n: Normalisation, data: Float32Array): Float32Array {
  const { scale, offset } = affine(n);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * scale + offset;
  return out;
}

/** Undo `normalise` in place. */
export function denormaliseInPlace(n: Normalisation, data: Float32Array): void {
  const { scale, offset } = affine(n);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - offset) / scale;
}

/**
 * Camera background pattern (docs/method.md §5): the per-pixel median over all given planes. Meant for
 * many images of one camera (dark frames, or all planes of many stacks); over the planes of a single
 * sample stack it would also remove signal that is the same in every plane.
 */
export function estimateBackground(stacks: { data: Float32Array; depth: number }[], height: number, width: number): Float32Array {
  const hw = height * width;
  const n = stacks.reduce((a, s) => a + s.depth, 0);
  if (n === 0) throw new Error('no planes to estimate a background from');
  const out = new Float32Array(hw);
  const vals = new Float32Array(n);
  for (let i = 0; i < hw; i++) {
    let j = 0;
    for (const s of stacks) for (let z = 0; z < s.depth; z++) vals[j++] = s.data[z * hw + i];
    vals.sort();
    out[i] = n % 2 ? vals[n >> 1] : 0.5 * (vals[(n >> 1) - 1] + vals[n >> 1]);
  }
  return out;
}

/** A copy of a ZYX stack with the one-plane pattern subtracted from every plane. */
export function subtractBackground(data: Float32Array, background: Float32Array): Float32Array {
  const hw = background.length;
  if (data.length % hw !== 0) throw new Error('background pattern and stack planes differ in size');
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] - background[i % hw];
  return out;
}
