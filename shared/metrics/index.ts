/** Image quality metrics shared by the main process (eval, study) and the renderer (live scores). */
export { psnr, ssim, nrmse, type SsimOptions } from './image-metrics.ts';
export { percentile, percentileNormalize, affineFit, percentileAffine } from './normalize.ts';
export {
  evaluatePlane,
  evaluateStack,
  type Normalization,
  type PlaneMetrics,
  type StackMetrics,
  type StackLike,
  type EvaluateOptions,
} from './stack-metrics.ts';
export { confidenceBand, perPlaneBands, tQuantile975, type Band } from './confidence.ts';
export { gaussianFilter2d, gaussianKernel1d } from './gaussian-filter.ts';
