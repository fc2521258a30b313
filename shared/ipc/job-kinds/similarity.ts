/**
 * 'similarity': SSIM between each plane and its neighbours at distance 1…maxDistance (the
 * similarity that justifies K, docs/method.md §1), computed in a worker. Large planes are scored on a
 * centred crop of at most 512×512.
 */
import { z } from 'zod';

export const similarityJob = {
  params: z.object({ stackId: z.string(), maxDistance: z.number().int().min(1).max(20).default(5) }),
  result: z.object({
    distances: z.array(z.number().int()),
    /** Mean SSIM over planes for each distance. */
    mean: z.array(z.number()),
    /** perPlane[d-1][i] = SSIM(plane i, plane i+d). */
    perPlane: z.array(z.array(z.number())),
    crop: z.object({ height: z.number().int(), width: z.number().int() }),
  }),
  pausable: false,
};
