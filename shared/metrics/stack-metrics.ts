/**
 * Scores a predicted stack against a reference stack plane by plane (the paper scores 2-D images,
 * docs/method.md §7/§8), and summarises them. The whole-stack value of each metric is the mean of its
 * per-plane values, which is how the paper's table averages over test images.
 */
import { nrmse, psnr, ssim } from './image-metrics.ts';
import { percentileAffine } from './normalize.ts';

export type Normalization = 'percentile-affine' | 'none';

export interface PlaneMetrics {
  plane: number;
  psnr: number;
  ssim: number;
  nrmse: number;
}

export interface StackMetrics {
  normalization: Normalization;
  dataRange: number;
  /** Means over planes. */
  psnr: number;
  ssim: number;
  nrmse: number;
  planes: PlaneMetrics[];
}

/** The minimal stack shape the metrics need (shared/stack.ts's Stack satisfies it). */
export interface StackLike {
  depth: number;
  height: number;
  width: number;
  data: Float32Array;
}

export interface EvaluateOptions {
  /** 'percentile-affine' for microscopy (docs/method.md §7), 'none' for MRI (compare to clean). */
  normalization?: Normalization;
  /** Data range for PSNR/SSIM; 1 for the paper's metrics (after normalisation, or MRI in [−0.5, 0.5]). */
  dataRange?: number;
  /** Score only these planes (e.g. the test planes of a split). */
  planes?: number[];
}

export function evaluatePlane(
  prediction: ArrayLike<number>,
  reference: ArrayLike<number>,
  height: number,
  width: number,
  normalization: Normalization = 'none',
  dataRange = 1,
): Omit<PlaneMetrics, 'plane'> {
  let p: ArrayLike<number> = prediction;
  let r: ArrayLike<number> = reference;
  if (normalization === 'percentile-affine') ({ prediction: p, reference: r } = percentileAffine(prediction, reference));
  return { psnr: psnr(r, p, dataRange), ssim: ssim(r, p, height, width, { dataRange }), nrmse: nrmse(r, p) };
}

export function evaluateStack(prediction: StackLike, reference: StackLike, o: EvaluateOptions = {}): StackMetrics {
  const { normalization = 'none', dataRange = 1 } = o;
  const same = prediction.depth === reference.depth && prediction.height === reference.height && prediction.width === reference.width;
  if (!same) {
    throw new Error(
      `prediction is ${prediction.depth}×${prediction.height}×${prediction.width} but reference is ${reference.depth}×${reference.height}×${reference.width}`,
    );
  }
  const n = reference.height * reference.width;
  const which = o.planes ?? Array.from({ length: reference.depth }, (_, z) => z);
  const planes = which.map((z) => {
    if (!(z >= 0 && z < reference.depth)) throw new Error(`plane ${z} outside 0…${reference.depth - 1}`);
    const m = evaluatePlane(
      prediction.data.subarray(z * n, (z + 1) * n),
      reference.data.subarray(z * n, (z + 1) * n),
      reference.height,
      reference.width,
      normalization,
      dataRange,
    );
    return { plane: z, ...m };
  });
  const mean = (k: 'psnr' | 'ssim' | 'nrmse') => planes.reduce((s, p) => s + p[k], 0) / Math.max(1, planes.length);
  return { normalization, dataRange, psnr: mean('psnr'), ssim: mean('ssim'), nrmse: mean('nrmse'), planes };
}
