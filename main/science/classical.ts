/**
 * A training-free baseline that runs on any stack: non-local means (Buades, Coll & Morel 2005),
 * plane by plane. No maintained BM3D package exists for Node, so the product names this baseline
 * honestly as "non-local means" rather than BM3D (the paper's microscopy baseline).
 *
 * Each pixel becomes a weighted mean of the pixels in its search window, weighted by how similar
 * their surrounding patches are: w = exp(−max(d² − 2σ², 0) / h²), d² the mean squared difference of
 * the two patches (the σ-corrected weight of Buades et al. 2011 and of scikit-image's
 * denoise_nl_means with `sigma`). For every search offset, the patch distances of all pixels come
 * from one integral image, so the cost is O(pixels × search offsets) independent of patch size.
 * σ is estimated per plane by Immerkær's method (1996) unless given.
 */
import { makeStack, plane, type Stack } from '../../shared/stack.ts';
import { reflectIndex } from '../../shared/metrics/gaussian-filter.ts';

export interface NlMeansOptions {
  /** Patch half-size: patches are (2r+1)² pixels. */
  patchRadius?: number;
  /** Search window half-size. */
  searchRadius?: number;
  /** Filtering strength relative to σ (h = hFactor·σ); 0.8 as scikit-image recommends with σ given. */
  hFactor?: number;
  /** Noise standard deviation; estimated per plane when absent. */
  sigma?: number;
}

export const CLASSICAL_NAME = 'non-local means';

/** Immerkær (1996) fast noise standard deviation estimate from a Laplacian-difference mask. */
export function estimateNoiseSigma(img: ArrayLike<number>, h: number, w: number): number {
  if (h < 3 || w < 3) return 0;
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v =
        img[i - w - 1] - 2 * img[i - w] + img[i - w + 1] - 2 * img[i - 1] + 4 * img[i] - 2 * img[i + 1] + img[i + w - 1] - 2 * img[i + w] + img[i + w + 1];
      s += Math.abs(v);
    }
  }
  return (Math.sqrt(Math.PI / 2) * s) / (6 * (w - 2) * (h - 2));
}

export function nlMeansPlane(img: ArrayLike<number>, h: number, w: number, o: NlMeansOptions = {}): Float32Array {
  const pr = o.patchRadius ?? 3;
  const sr = o.searchRadius ?? 7;
  const sigma = o.sigma ?? estimateNoiseSigma(img, h, w);
  const hh = (o.hFactor ?? 0.8) * sigma;
  const out = new Float32Array(h * w);
  if (!(hh > 0)) {
    out.set(Array.from({ length: h * w }, (_, i) => img[i]));
    return out;
  }
  // Padded copy so that p + offset and its patch are always defined (reflect boundary).
  const pad = pr + sr;
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const padded = new Float64Array(ph * pw);
  for (let y = 0; y < ph; y++) {
    const sy = reflectIndex(y - pad, h);
    for (let x = 0; x < pw; x++) padded[y * pw + x] = img[sy * w + reflectIndex(x - pad, w)];
  }
  // Region whose patch sums we need: output pixels ± pr.
  const rh = h + 2 * pr;
  const rw = w + 2 * pr;
  const integral = new Float64Array((rh + 1) * (rw + 1));
  const weightSum = new Float64Array(h * w);
  const valueSum = new Float64Array(h * w);
  const area = (2 * pr + 1) ** 2;
  const inv = 1 / (hh * hh);
  const bias = 2 * sigma * sigma;
  for (let dy = -sr; dy <= sr; dy++) {
    for (let dx = -sr; dx <= sr; dx++) {
      // Integral image of (I(q) − I(q + offset))² over the region.
      for (let y = 0; y < rh; y++) {
        let row = 0;
        const a = (y + sr) * pw + sr;
        const b = (y + sr + dy) * pw + sr + dx;
        for (let x = 0; x < rw; x++) {
          const d = padded[a + x] - padded[b + x];
          row += d * d;
          integral[(y + 1) * (rw + 1) + x + 1] = integral[y * (rw + 1) + x + 1] + row;
        }
      }
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          // Patch around output (y, x) spans region rows y…y+2pr, cols x…x+2pr.
          const y1 = y + 2 * pr + 1;
          const x1 = x + 2 * pr + 1;
          const ssd =
            integral[y1 * (rw + 1) + x1] - integral[y * (rw + 1) + x1] - integral[y1 * (rw + 1) + x] + integral[y * (rw + 1) + x];
          const d2 = ssd / area;
          const wgt = Math.exp(-Math.max(d2 - bias, 0) * inv);
          const i = y * w + x;
          weightSum[i] += wgt;
          valueSum[i] += wgt * padded[(y + pad + dy) * pw + x + pad + dx];
        }
      }
    }
  }
  for (let i = 0; i < h * w; i++) out[i] = valueSum[i] / weightSum[i];
  return out;
}

/** Non-local means on every plane of a stack (σ estimated per plane unless given). */
export function denoiseNlMeans(stack: Stack, o: NlMeansOptions = {}, onPlane?: (z: number) => void): Stack {
  const { depth, height: h, width: w } = stack;
  const data = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) {
    data.set(nlMeansPlane(plane(stack, z), h, w, o), z * h * w);
    onPlane?.(z);
  }
  return makeStack(depth, h, w, data, { ...stack.meta, dtype: 'float32', name: `${stack.meta.name} (${CLASSICAL_NAME})` });
}
