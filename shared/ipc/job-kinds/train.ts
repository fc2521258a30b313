/**
 * 'train': train a denoising model on open stacks (issue 7). Pausable. Progress values per step
 * (step, totalSteps, epoch, loss, lr, eta) carry the latest finished epoch too (lastEpoch,
 * epochLoss, epochValLoss) so a throttled update never loses an epoch point; with previewEvery > 0
 * a checkpoint model is written every that many steps and `checkpoint` counts them.
 */
import { z } from 'zod';
import { Mode, TrainingConfig } from '../../config/training.ts';
import { Verdict } from '../../verdict.ts';

export const TrainedModelSummary = z.object({
  modelDir: z.string(),
  checkpointDir: z.string().optional(),
  name: z.string(),
  config: TrainingConfig,
  layout: z.object({ mode: Mode, k: z.number().int(), inChannels: z.number().int() }),
  history: z.array(z.object({ epoch: z.number(), loss: z.number(), valLoss: z.number().nullable(), lr: z.number(), seconds: z.number() })),
  finalLoss: z.number().nullable(),
  bestValLoss: z.number().nullable(),
  bestEpoch: z.number().int(),
  engine: z.object({ engine: z.string(), backend: z.string(), provider: z.string().optional(), note: z.string().optional() }),
  cancelled: z.boolean(),
  seconds: z.number(),
  /** "Did it work?" after training (docs/verdict.md); absent for models loaded from disk. */
  verdict: Verdict.optional(),
});
export type TrainedModelSummary = z.infer<typeof TrainedModelSummary>;

/**
 * Where a training job keeps its model and its live-preview checkpoint, under the app's output
 * folder (AppInfo.outputDir), so the renderer can name the checkpoint while the job runs.
 */
export function trainModelDir(outputDir: string, jobId: string): string {
  return `${outputDir.replace(/[\\/]+$/, '')}/models/${jobId}`;
}
export function trainCheckpointDir(outputDir: string, jobId: string): string {
  return `${trainModelDir(outputDir, jobId)}/checkpoint`;
}

export const trainJob = {
  params: z.object({
    stackId: z.string(),
    /** Independent second noisy copy (copy-supervised N2S, Noise2Noise). */
    copyStackId: z.string().optional(),
    /** Clean / high-exposure reference (Noise2Clean target). */
    referenceStackId: z.string().optional(),
    config: TrainingConfig,
    /** Write a checkpoint every N steps for the live preview (0 = never). */
    previewEvery: z.number().int().min(0).default(0),
    /** Name shown in the models list. */
    name: z.string().optional(),
    /**
     * Time budget in seconds (main/engine/budget.ts): the epochs and steps per epoch are then
     * planned from the step time measured at the start of the run (config's epochs/stepsPerEpoch
     * are ignored); batch and patch stay as set. Absent: the config's steps are run as they are.
     */
    time: z.number().positive().max(7 * 24 * 3600).optional(),
  }),
  result: TrainedModelSummary,
  pausable: true,
};
