/**
 * Full-reference image quality metrics for one 2-D plane, defined exactly as scikit-image 0.19
 * defines them (skimage.metrics), so numbers are comparable with the paper's (docs/method.md §7) and
 * checked against scikit-image in test/unit/science/metrics.test.ts. All sums run in float64.
 */
import { gaussianFilter2d } from './gaussian-filter.ts';

function meanSquaredError(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  if (ref.length !== test.length) throw new Error(`image sizes differ: ${ref.length} vs ${test.length}`);
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = ref[i] - test[i];
    s += d * d;
  }
  return s / ref.length;
}

/** skimage.metrics.peak_signal_noise_ratio: 10·log10(dataRange² / MSE). */
export function psnr(ref: ArrayLike<number>, test: ArrayLike<number>, dataRange = 1): number {
  return 10 * Math.log10((dataRange * dataRange) / meanSquaredError(ref, test));
}

/** skimage.metrics.normalized_root_mse with normalization='euclidean': RMSE / RMS(reference). */
export function nrmse(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  let energy = 0;
  for (let i = 0; i < ref.length; i++) energy += ref[i] * ref[i];
  return Math.sqrt(meanSquaredError(ref, test)) / Math.sqrt(energy / ref.length);
}

export interface SsimOptions {
  dataRange?: number;
  sigma?: number;
  k1?: number;
  k2?: number;
}

/**
 * skimage.metrics.structural_similarity(ref, test, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range): Wang et al. 2004 with an 11-tap Gaussian window
 * (truncate 3.5), 'reflect' boundaries, and the mean taken over the interior (the border of
 * width (win−1)/2 is cropped, as scikit-image does).
 */
export function ssim(ref: ArrayLike<number>, test: ArrayLike<number>, h: number, w: number, o: SsimOptions = {}): number {
  const { dataRange = 1, sigma = 1.5, k1 = 0.01, k2 = 0.03 } = o;
  const n = h * w;
  if (ref.length !== n || test.length !== n) throw new Error(`SSIM needs two ${h}×${w} images`);
  const truncate = 3.5;
  const radius = Math.floor(truncate * sigma + 0.5);
  const win = 2 * radius + 1;
  if (h < win || w < win) throw new Error(`SSIM needs images of at least ${win}×${win}, got ${h}×${w}`);
  const x = Float64Array.from(ref);
  const y = Float64Array.from(test);
  const xx = new Float64Array(n);
  const yy = new Float64Array(n);
  const xy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xx[i] = x[i] * x[i];
    yy[i] = y[i] * y[i];
    xy[i] = x[i] * y[i];
  }
  const f = (a: Float64Array) => gaussianFilter2d(a, h, w, sigma, truncate);
  const ux = f(x);
  const uy = f(y);
  const uxx = f(xx);
  const uyy = f(yy);
  const uxy = f(xy);
  const c1 = (k1 * dataRange) ** 2;
  const c2 = (k2 * dataRange) ** 2;
  let sum = 0;
  let count = 0;
  for (let r = radius; r < h - radius; r++) {
    for (let c = radius; c < w - radius; c++) {
      const i = r * w + c;
      const vx = uxx[i] - ux[i] * ux[i];
      const vy = uyy[i] - uy[i] * uy[i];
      const vxy = uxy[i] - ux[i] * uy[i];
      const num = (2 * ux[i] * uy[i] + c1) * (2 * vxy + c2);
      const den = (ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2);
      sum += num / den;
      count++;
    }
  }
  return sum / count;
}
