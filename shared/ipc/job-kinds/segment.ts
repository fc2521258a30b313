/**
 * 'segment': nuclei segmentation of an open stack (issue 8). The labels become a new stack marked
 * meta.labels (a labels layer over the image); with a reference labels stack (e.g. of the high
 * exposure) the agreement is computed too. With `importPath` a labels TIFF is read instead.
 */
import { z } from 'zod';
import { SegmentationOptions } from '../../segmentation/options.ts';
import { StackInfo } from '../stacks.ts';

export const PlaneObjectStatsSchema = z.object({ z: z.number().int(), count: z.number().int(), meanSize: z.number(), medianSize: z.number() });

export const AgreementSchema = z.object({
  dice: z.number(),
  f1: z.number(),
  precision: z.number(),
  recall: z.number(),
  tp: z.number().int(),
  fp: z.number().int(),
  fn: z.number().int(),
  perPlane: z.array(z.object({ z: z.number().int(), dice: z.number(), f1: z.number() })),
});
export type AgreementSummary = z.infer<typeof AgreementSchema>;

export const segmentJob = {
  params: z.object({
    stackId: z.string(),
    options: SegmentationOptions.default(SegmentationOptions.parse({})),
    /** A tfjs model folder giving a foreground probability per plane (optional). */
    modelDir: z.string().min(1).optional(),
    /** Labels stack to compare with (Dice, object F1 at IoU 0.5). */
    referenceLabelsId: z.string().optional(),
    /** Import this labels TIFF as an overlay of `stackId` instead of segmenting. */
    importPath: z.string().min(1).optional(),
  }),
  result: z.object({
    labels: StackInfo,
    sourceStackId: z.string(),
    count: z.number().int(),
    perPlane: z.array(PlaneObjectStatsSchema),
    agreement: AgreementSchema.optional(),
    thresholds: z.array(z.number()),
    seconds: z.number(),
  }),
  pausable: false,
};
