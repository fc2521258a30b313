/**
 * 'evaluate': PSNR/SSIM/NRMSE of several stacks (low exposure, each denoised result) against a
 * reference, per plane and as means (docs/method.md §7; the per-plane PSNR is the paper's Figure 5).
 */
import { z } from 'zod';
import { EvalNormalisation } from '../../config/enums.ts';

export const StackScores = z.object({
  stackId: z.string(),
  name: z.string(),
  psnr: z.number(),
  ssim: z.number(),
  nrmse: z.number(),
  perPlanePsnr: z.array(z.number()),
  perPlaneSsim: z.array(z.number()),
});
export type StackScores = z.infer<typeof StackScores>;

export const evaluateJob = {
  params: z.object({
    referenceStackId: z.string(),
    stackIds: z.array(z.string()).min(1),
    normalization: EvalNormalisation.default('percentile-affine'),
  }),
  result: z.object({ normalization: z.string(), scores: z.array(StackScores) }),
  pausable: false,
};
