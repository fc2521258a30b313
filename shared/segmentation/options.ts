import { z } from 'zod';

/**
 * Options of the built-in nuclei segmentation: one schema for the CLI flags, the IPC payload of
 * the segment job and the panel's form.
 */
export const ThresholdChoice = z.union([z.enum(['otsu', 'li', 'triangle']), z.number().finite()]);
export type ThresholdChoice = z.infer<typeof ThresholdChoice>;

export const SegmentationOptions = z.object({
  /** Automatic method, or a fixed intensity (in the stack's units, after smoothing). */
  threshold: ThresholdChoice.default('otsu'),
  /** Gaussian σ in pixels (in-plane); along z it is scaled by the voxel size ratio in 3-D mode. */
  sigma: z.number().min(0).max(50).default(1),
  /** Objects smaller than this many pixels (voxels in 3-D, counted after the focus trim) are removed. */
  minSize: z.number().int().min(0).max(1_000_000).default(30),
  fillHoles: z.boolean().default(true),
  /** Split touching nuclei by distance transform + h-maxima seeds + watershed. */
  split: z.boolean().default(true),
  /** Minimum dynamic (in pixels of distance) of a distance-transform peak to seed its own nucleus. */
  h: z.number().positive().max(100).default(1),
  /**
   * '3d' (default): one volume — 3-D smoothing, one threshold, 3-D components and watershed with
   * the voxel size, so a nucleus spanning several planes is one object. '2d': every plane on its
   * own (as the paper), which cuts the out-of-focus planes of a z-stack into many small objects.
   */
  mode: z.enum(['2d', '3d']).default('3d'),
  /**
   * 3-D mode: an object keeps the run of planes around its brightest one whose mean contrast over
   * the background is at least this fraction of the brightest plane's (0.5 = axial FWHM), so the
   * defocused haze above and below a nucleus stays unlabelled. 0 keeps every plane.
   */
  focusFraction: z.number().min(0).max(1).default(0.5),
  /** In 2-D mode: one automatic threshold per plane (paper) or one for the whole stack. */
  thresholdScope: z.enum(['plane', 'stack']).default('plane'),
});
export type SegmentationOptions = z.infer<typeof SegmentationOptions>;
export type SegmentationOptionsInput = z.input<typeof SegmentationOptions>;
