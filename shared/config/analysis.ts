import { z } from 'zod';
import { Backend, EvalNormalisation } from './enums.ts';
import { SegmentationOptions } from '../segmentation/options.ts';

/**
 * Requests of the evaluate and segment workflows (main/workflows/evaluate.ts, segment.ts); the
 * CLI's flags and the IPC job kinds fill these.
 */

/** Score stacks against a reference (PSNR, SSIM, NRMSE per plane and as means). */
export const EvaluateRequest = z.object({
  /** percentile-affine: microscopy (reference scaled by percentiles, prediction fitted to it); none: raw values. */
  normalisation: EvalNormalisation.default('percentile-affine'),
  dataRange: z.number().positive('data range must be > 0').default(1),
});
export type EvaluateRequest = z.infer<typeof EvaluateRequest>;
export type EvaluateRequestInput = z.input<typeof EvaluateRequest>;

/** Segment nuclei in a stack (pure pipeline, or a tfjs probability model then the same clean-up). */
export const SegmentRequest = z.object({
  options: SegmentationOptions.default(SegmentationOptions.parse({})),
  /** A tfjs model folder giving a foreground probability per plane. */
  modelDir: z.string().min(1).optional(),
  /** tfjs backend for the model. */
  backend: Backend.default('auto'),
});
export type SegmentRequest = z.infer<typeof SegmentRequest>;
export type SegmentRequestInput = z.input<typeof SegmentRequest>;

/** Segment a file and write the labels (n2s segment). */
export const SegmentFileRequest = SegmentRequest.extend({
  input: z.string().min(1, 'an input is required'),
  output: z.string().min(1, 'an output is required').regex(/\.tiff?$/i, 'must be a .tif / .ome.tif file (labels are written as uint16 TIFF)'),
  /** A reference stack segmented with the same settings, or a reference labels image. */
  reference: z.string().min(1).optional(),
  referenceLabels: z.string().min(1).optional(),
  channel: z.number().int().min(0).optional(),
  time: z.number().int().min(0).optional(),
  overwrite: z.boolean().default(false),
}).refine((r) => !(r.reference && r.referenceLabels), { message: 'give either a reference stack or reference labels, not both', path: ['reference'] });
export type SegmentFileRequest = z.infer<typeof SegmentFileRequest>;
export type SegmentFileRequestInput = z.input<typeof SegmentFileRequest>;
