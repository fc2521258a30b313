/**
 * 'train-estimate': times a few training steps of the chosen settings on the chosen stack on this
 * machine (a warm-up step, then the timed ones, and one validation pass), so the Train panel can
 * say how long a run takes before Start from a measurement, not a guess. Seconds, not a model:
 * nothing is written.
 */
import { z } from 'zod';
import { TrainingConfig } from '../../config/training.ts';

export const TrainEstimate = z.object({
  /** Median of the later half of the timed steps (the warm-up step is not counted): the pace a run keeps. */
  secondsPerStep: z.number().positive(),
  /** One validation pass (every validation batch); 0 without a validation set. */
  secondsPerValidation: z.number().min(0),
  /** Engine start, data preparation and the first (warm-up) step: paid once per run. */
  startSeconds: z.number().min(0),
  /** Steps timed (after the warm-up). */
  stepsTimed: z.number().int().positive(),
  /** Engine/provider that ran them, e.g. "onnx/cpu". */
  engine: z.string(),
});
export type TrainEstimate = z.infer<typeof TrainEstimate>;

export const trainEstimateJob = {
  params: z.object({
    stackId: z.string(),
    copyStackId: z.string().optional(),
    referenceStackId: z.string().optional(),
    /** The run's settings; its epochs and steps are not used (the estimate is per step). */
    config: TrainingConfig,
    /** Fewest timed steps after the warm-up step (more are timed, up to a second or two, while the pace still settles). */
    steps: z.number().int().min(1).max(20).default(3),
  }),
  result: TrainEstimate,
  pausable: false,
};
