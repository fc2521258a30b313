/**
 * Separable Gaussian filtering of a 2-D image, written to match scipy.ndimage.gaussian_filter
 * (which scikit-image's SSIM uses): kernel radius int(truncate·sigma + 0.5), weights normalised to
 * sum 1, boundary mode 'reflect' (half-sample symmetric: d c b a | a b c d | d c b a). Matching
 * scipy exactly is what lets our SSIM agree with scikit-image to 1e-4.
 */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  if (sigma <= 0) {
    k[radius] = 1;
    return k;
  }
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Index into [0, n) with scipy's 'reflect' boundary (edge sample repeated), for any offset. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Correlate each row (axis = x) or each column (axis = y) with a symmetric kernel. */
function filterAxis(src: Float64Array, h: number, w: number, k: Float64Array, axis: 'x' | 'y'): Float64Array {
  const out = new Float64Array(h * w);
  const r = (k.length - 1) / 2;
  const n = axis === 'x' ? w : h;
  const lines = axis === 'x' ? h : w;
  const stride = axis === 'x' ? 1 : w;
  const lineStep = axis === 'x' ? w : 1;
  // Padded copy of one line so the inner loop has no boundary branches.
  const line = new Float64Array(n + 2 * r);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    for (let i = -r; i < n + r; i++) line[i + r] = src[base + reflectIndex(i, n) * stride];
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let t = 0; t < k.length; t++) acc += k[t] * line[i + t];
      out[base + i * stride] = acc;
    }
  }
  return out;
}

/** Gaussian filter of a row-major h×w image (float64 in and out, as scipy computes in float64). */
export function gaussianFilter2d(
  img: ArrayLike<number>,
  h: number,
  w: number,
  sigma: number,
  truncate = 4,
): Float64Array {
  const src = img instanceof Float64Array ? img : Float64Array.from(img);
  if (sigma <= 0) return Float64Array.from(src);
  const k = gaussianKernel1d(sigma, truncate);
  return filterAxis(filterAxis(src, h, w, k, 'y'), h, w, k, 'x');
}
