import { fillHoles, labelComponents, labelSizes, relabelSequential, removeSmallObjects } from './binary.ts';
import { keepInFocusPlanes } from './focus.ts';
import { distanceTransform } from './distance.ts';
import { gaussianBlur } from './gaussian.ts';
import type { Shape3 } from './grid.ts';
import { SegmentationOptions, type SegmentationOptionsInput } from './options.ts';
import { computeThreshold } from './threshold.ts';
import { hMaximaSeeds, mergeSmallFragments, seededWatershed } from './watershed.ts';

/**
 * Training-free nuclei segmentation (issue 8): smooth → automatic threshold → fill holes → remove
 * small objects → split touching nuclei with distance transform + h-maxima seeds + seeded
 * watershed. Pure: runs in main, in a worker or in the renderer.
 */
export interface SegmentationResult {
  /** ZYX labels; in 2-D mode labels are unique across the whole stack (plane offsets). */
  labels: Uint32Array;
  count: number;
  /** Threshold used per plane (2-D, plane scope) or once (length 1). */
  thresholds: number[];
}

export interface VoxelSpacing {
  z: number;
  y: number;
  x: number;
}

/** Splits a binary mask into labelled objects (the clean-up and watershed part of the pipeline). */
export function labelMask(mask: Uint8Array, s: Shape3, o: SegmentationOptions, spacing: VoxelSpacing): Uint32Array {
  let m = o.fillHoles ? fillHoles(mask, s) : mask;
  m = removeSmallObjects(m, s, o.minSize);
  if (!o.split) return labelComponents(m, s).labels;
  const dist = distanceTransform(m, s, spacing);
  const { markers } = hMaximaSeeds(dist, m, s, o.h);
  const elevation = new Float32Array(dist.length);
  for (let i = 0; i < dist.length; i++) elevation[i] = -dist[i]!;
  const labels = seededWatershed(elevation, markers, m, s);
  mergeSmallFragments(labels, s, o.minSize);
  return labels;
}

/**
 * 3-D mode: leaves the defocused planes of each object unlabelled (focus.ts), then drops objects
 * whose in-focus part is smaller than minSize voxels.
 */
export function trimOutOfFocus(labels: Uint32Array, intensity: Float32Array, s: Shape3, o: SegmentationOptions): void {
  if (keepInFocusPlanes(labels, intensity, s, o.focusFraction) === 0) return;
  const sizes = labelSizes(labels);
  for (let i = 0; i < labels.length; i++) if (labels[i] && sizes[labels[i]!]! < o.minSize) labels[i] = 0;
}

/** 3-D Gaussian: σ is given in in-plane pixels; along z it is converted to planes by the voxel size ratio. */
export function smoothVolume(data: Float32Array, s: Shape3, sigma: number, spacing: VoxelSpacing): Float32Array {
  const sz = spacing.z > 0 && spacing.x > 0 ? (sigma * spacing.x) / spacing.z : sigma;
  return gaussianBlur(data, s, { z: sz, y: sigma, x: sigma });
}

function thresholdMask(smoothed: Float32Array, t: number): Uint8Array {
  const mask = new Uint8Array(smoothed.length);
  for (let i = 0; i < smoothed.length; i++) mask[i] = smoothed[i]! > t ? 1 : 0;
  return mask;
}

function pickThreshold(values: Float32Array, o: SegmentationOptions): number {
  return typeof o.threshold === 'number' ? o.threshold : computeThreshold(values, o.threshold);
}

export function segmentNuclei(
  data: Float32Array,
  s: Shape3,
  options: SegmentationOptionsInput = {},
  spacing: VoxelSpacing = { z: 1, y: 1, x: 1 },
  onPlane?: (done: number, total: number) => void,
): SegmentationResult {
  const o = SegmentationOptions.parse(options);
  const n = s.depth * s.height * s.width;
  if (data.length !== n) throw new Error(`segmentation input has ${data.length} values, expected ${s.depth}×${s.height}×${s.width}`);
  if (o.mode === '3d') {
    const smoothed = smoothVolume(data, s, o.sigma, spacing);
    const t = pickThreshold(smoothed, o);
    const rel = { z: spacing.z / spacing.x, y: spacing.y / spacing.x, x: 1 };
    const labels = labelMask(thresholdMask(smoothed, t), s, o, rel);
    trimOutOfFocus(labels, smoothed, s, o);
    const count = relabelSequential(labels);
    onPlane?.(s.depth, s.depth);
    return { labels, count, thresholds: [t] };
  }
  const planeShape: Shape3 = { depth: 1, height: s.height, width: s.width };
  const smoothed = gaussianBlur(data, s, { z: 0, y: o.sigma, x: o.sigma });
  const stackT = o.thresholdScope === 'stack' ? pickThreshold(smoothed, o) : NaN;
  const labels = new Uint32Array(n);
  const thresholds: number[] = [];
  const np = s.height * s.width;
  let count = 0;
  const rel = { z: 1, y: spacing.y / spacing.x, x: 1 };
  for (let z = 0; z < s.depth; z++) {
    const sm = smoothed.subarray(z * np, (z + 1) * np);
    const t = o.thresholdScope === 'stack' ? stackT : pickThreshold(sm, o);
    thresholds.push(t);
    const pl = labelMask(thresholdMask(sm, t), planeShape, o, rel);
    count += relabelSequential(pl, count);
    labels.set(pl, z * np);
    onPlane?.(z + 1, s.depth);
  }
  return { labels, count, thresholds: o.thresholdScope === 'stack' ? [stackT] : thresholds };
}
