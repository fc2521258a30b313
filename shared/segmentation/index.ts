/** Public surface of the pure segmentation code (shared by main, workers and the renderer). */
export { segmentNuclei, labelMask, trimOutOfFocus, smoothVolume, type SegmentationResult, type VoxelSpacing } from './pipeline.ts';
export { SegmentationOptions, ThresholdChoice, type SegmentationOptionsInput } from './options.ts';
export { compareSegmentations, planeObjectStats, matchObjects, dice, type Agreement, type PlaneAgreement, type PlaneObjectStats } from './metrics.ts';
export { otsuThreshold, liThreshold, triangleThreshold, computeThreshold, histogram, type ThresholdMethod } from './threshold.ts';
export { distanceTransform } from './distance.ts';
export { keepInFocusPlanes } from './focus.ts';
export { gaussianBlur } from './gaussian.ts';
export { fillHoles, labelComponents, removeSmallObjects, relabelSequential, labelSizes } from './binary.ts';
export { hMaximaSeeds, seededWatershed, mergeSmallFragments } from './watershed.ts';
export type { Shape3, Connectivity } from './grid.ts';
