/**
 * MRI k-space undersampling noise (docs/method.md §6, after Noise2Noise's MRI experiment): each
 * frequency k of a plane is kept with probability p(k) = exp(−λ|k|), |k| the distance from the
 * spectrum's centre (DC) in cycles per image, with λ chosen so that the expected kept fraction is
 * 10 %; kept coefficients are divided by p(k) (an unbiased estimate of the spectrum), the rest are
 * zeroed.
 *
 * One choice beyond the paper: the Bernoulli draw is shared by k and −k (Hermitian pairs). The
 * corrupted spectrum then stays Hermitian, the noisy plane is exactly real, and the measured value
 * at every sampled frequency is the noisy plane's own spectrum times p(k) — so post-processing needs
 * nothing but the noisy plane, its mask (both written by `n2s synth mri`) and p. Each pair is still
 * kept with probability p(k), so the expected kept fraction is unchanged.
 */
import type { Rng } from '../../shared/random.ts';
import { createRng } from '../../shared/random.ts';
import { makeStack, plane, type Stack } from '../../shared/stack.ts';
import { realToSpectrum, spectrumToReal } from './fft.ts';

/** |k| of every frequency of an h×w spectrum in numpy's unshifted layout (DC at index 0). */
export function frequencyRadius(h: number, w: number): Float64Array {
  const r = new Float64Array(h * w);
  for (let u = 0; u < h; u++) {
    const fu = u <= h / 2 ? u : u - h;
    for (let v = 0; v < w; v++) {
      const fv = v <= w / 2 ? v : v - w;
      r[u * w + v] = Math.hypot(fu, fv);
    }
  }
  return r;
}

/** λ such that mean over frequencies of exp(−λ|k|) equals keepFraction (bisection; monotone in λ). */
export function solveLambda(radius: Float64Array, keepFraction = 0.1): number {
  if (!(keepFraction > 1 / radius.length && keepFraction < 1)) {
    throw new Error(`keep fraction must lie in (1/${radius.length}, 1), got ${keepFraction}`);
  }
  const mean = (lambda: number) => radius.reduce((s, r) => s + Math.exp(-lambda * r), 0) / radius.length;
  let lo = 0;
  let hi = 1;
  while (mean(hi) > keepFraction) hi *= 2;
  for (let it = 0; it < 100 && hi - lo > 1e-14 * hi; it++) {
    const mid = (lo + hi) / 2;
    if (mean(mid) > keepFraction) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface SamplingDensity {
  lambda: number;
  /** p(k) per frequency, unshifted layout. */
  p: Float64Array;
}

export function samplingDensity(h: number, w: number, keepFraction = 0.1): SamplingDensity {
  const radius = frequencyRadius(h, w);
  const lambda = solveLambda(radius, keepFraction);
  return { lambda, p: radius.map((r) => Math.exp(-lambda * r)) };
}

/** Index of −k for every frequency (its Hermitian partner). */
function partner(u: number, v: number, h: number, w: number): number {
  return ((h - u) % h) * w + ((w - v) % w);
}

/** One Bernoulli mask (1 = sampled), drawn once per Hermitian pair. */
export function drawMask(density: SamplingDensity, h: number, w: number, rng: Rng): Uint8Array {
  const mask = new Uint8Array(h * w);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      const i = u * w + v;
      const j = partner(u, v, h, w);
      if (j < i) continue;
      const keep = rng.next() < density.p[i] ? 1 : 0;
      mask[i] = keep;
      mask[j] = keep;
    }
  }
  return mask;
}

/** The undersampled plane: IFFT of (spectrum · mask / p). */
export function undersamplePlane(
  clean: ArrayLike<number>,
  h: number,
  w: number,
  density: SamplingDensity,
  mask: Uint8Array,
): Float32Array {
  const spec = realToSpectrum(clean, h, w);
  for (let i = 0; i < h * w; i++) {
    const g = mask[i] ? 1 / density.p[i] : 0;
    spec[2 * i] *= g;
    spec[2 * i + 1] *= g;
  }
  return spectrumToReal(spec, h, w);
}

/**
 * Post-processing (docs/method.md §6): FFT the network output, replace every frequency that was sampled
 * in the input by the value the scanner measured there, inverse FFT.
 *
 * The measured value is the input's spectrum times p(k), i.e. with the 1/p re-weighting undone
 * (Noise2Noise's MRI code re-imposes the un-weighted sampled spectrum the same way). Re-imposing the
 * re-weighted values instead would put the 1/p-amplified high frequencies back into the output and
 * add noise rather than remove it; `values: 'reweighted'` keeps that variant available for
 * comparison. Applying the post-processing twice gives the same result as once (idempotent).
 */
export function reimposeSampled(
  output: ArrayLike<number>,
  input: ArrayLike<number>,
  mask: ArrayLike<number>,
  h: number,
  w: number,
  density: SamplingDensity,
  values: 'measured' | 'reweighted' = 'measured',
): Float32Array {
  const out = realToSpectrum(output, h, w);
  const inp = realToSpectrum(input, h, w);
  for (let i = 0; i < h * w; i++) {
    if (mask[i]) {
      const g = values === 'measured' ? density.p[i] : 1;
      out[2 * i] = g * inp[2 * i];
      out[2 * i + 1] = g * inp[2 * i + 1];
    }
  }
  return spectrumToReal(out, h, w);
}

export interface KspaceCopies {
  /** Independent noisy copies of the clean stack. */
  copies: Stack[];
  /** Their sampling masks (1 = sampled), one stack per copy. */
  masks: Stack[];
  lambda: number;
}

/** `copies` independent undersampled copies of every plane, fully determined by `seed`. */
export function undersampleStack(clean: Stack, o: { seed: number; copies?: number; keepFraction?: number }): KspaceCopies {
  const { depth, height: h, width: w } = clean;
  const nCopies = o.copies ?? 1;
  if (!(Number.isInteger(nCopies) && nCopies >= 1)) throw new Error(`copies must be a positive integer, got ${nCopies}`);
  const density = samplingDensity(h, w, o.keepFraction ?? 0.1);
  const root = createRng(o.seed);
  const copies: Stack[] = [];
  const masks: Stack[] = [];
  for (let c = 0; c < nCopies; c++) {
    const rng = root.fork();
    const data = new Float32Array(depth * h * w);
    const maskData = new Float32Array(depth * h * w);
    for (let z = 0; z < depth; z++) {
      const mask = drawMask(density, h, w, rng);
      data.set(undersamplePlane(plane(clean, z), h, w, density, mask), z * h * w);
      maskData.set(mask, z * h * w);
    }
    const base = { ...clean.meta, dtype: 'float32' as const, sourceAxes: 'ZYX', sourceShape: [depth, h, w] };
    copies.push(makeStack(depth, h, w, data, { ...base, name: `${clean.meta.name} k-space copy ${c + 1}` }));
    masks.push(makeStack(depth, h, w, maskData, { ...base, dtype: 'uint8', name: `${clean.meta.name} k-space mask ${c + 1}` }));
  }
  return { copies, masks, lambda: density.lambda };
}

/** reimposeSampled for every plane of a stack (same keep fraction as the corruption used). */
export function reimposeStack(output: Stack, input: Stack, mask: Stack, keepFraction = 0.1): Stack {
  const { depth, height: h, width: w } = input;
  for (const s of [output, mask]) {
    if (s.depth !== depth || s.height !== h || s.width !== w) throw new Error('output, input and mask stacks must have the same shape');
  }
  const density = samplingDensity(h, w, keepFraction);
  const data = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) {
    data.set(reimposeSampled(plane(output, z), plane(input, z), plane(mask, z), h, w, density), z * h * w);
  }
  return makeStack(depth, h, w, data, { ...output.meta, name: `${output.meta.name} (k-space re-imposed)` });
}
